import { customChipToStored } from './customChips';
import { MAX_NESTING_DEPTH, parseJsonSafely } from './json';
import { packLinkText, unpackLinkText } from './linkText';
import { migrate, SCHEMA_VERSION, VERSION_WITHOUT_CUSTOM_CHIPS } from './migrations';
import { findLesson } from './presets/lessons';
import { findModelPreset, MODEL_PRESET_IDS } from './presets/models';
import { defaultScenario, MODEL_KEYS, PARAM_KEYS, type ParamKey, type Scenario } from './schema';
import { type Checked, validateScenario } from './validate';
import { shownKeys } from './values';

/**
 * The permalink codec. A scenario lives in the URL hash as `#s=<base64url(zlib(JSON))>` with a schema version
 * inside; readable short forms such as `#preset=deepseek-v3&chip=h100,groq-lpu&topK=4` work too. The same
 * versioned JSON is the scenario file format used by the CLI.
 */

/** Longest hash we try to read: links are small, and a huge one is hostile or broken. */
export const MAX_HASH_LENGTH = 16_384;
/** Longest scenario JSON read (a file, or a link's decompressed payload): INPUT_LIMITS.scenario, 64 KiB. */
export const MAX_JSON_LENGTH = 65_536;

/** Extra hash keys other features read (lessons, presentation mode); the codec passes them through. */
export interface HashExtras {
  [key: string]: string;
}

export interface Decoded extends Checked {
  extras: HashExtras;
  /**
   * Set when the link's full scenario (`s=…`) could not be read at all (damaged, too long, nested too deep, not
   * an object); `scenario` is then `base` with the link's readable fields, and the same sentence is in `issues`.
   */
  error?: string;
}

/**
 * A scenario read from a file. `error` (one line) is set when the text holds no scenario at all: invalid JSON,
 * too large, nested deeper than MAX_NESTING_DEPTH, not an object, or a link whose scenario is damaged. The caller
 * must not use `scenario` then (it is the default, for callers that need a value); the sentence is in `issues` too.
 */
export interface ScenarioRead extends Checked {
  error?: string;
}

/** What a JSON value is, for "holds a JSON array, not an object". */
function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? 'a string' : typeof v === 'number' ? 'a number' : `a ${typeof v}`;
}

const EXPECTED = `expected an object such as {"v": ${SCHEMA_VERSION}, "experts": 64} or a link (#s=… or #preset=…)`;

/** One line, whatever the parser's message holds (V8 quotes the text around a syntax error). */
const oneLine = (text: string, max = 200) => {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  const line = text.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

function failed(error: string): ScenarioRead {
  return { scenario: defaultScenario(), issues: [error], error };
}

/**
 * The stored form: every parameter plus the schema version. Custom chips are stored as their changed figures and
 * left out when there are none, with the version before them (migrations.ts), so such a link is as it always was.
 */
export function scenarioToObject(s: Scenario): Record<string, unknown> {
  const custom = s.customChips ?? [];
  const out: Record<string, unknown> = { v: custom.length ? SCHEMA_VERSION : VERSION_WITHOUT_CUSTOM_CHIPS };
  for (const key of PARAM_KEYS) {
    if (key === 'customChips') {
      if (custom.length) out[key] = custom.map(customChipToStored);
    } else out[key] = s[key];
  }
  return out;
}

export function scenarioToJson(s: Scenario): string {
  return `${JSON.stringify(scenarioToObject(s), null, 2)}\n`;
}

/**
 * Read a scenario file (or any JSON text). Never throws. A UTF-8 byte-order mark is skipped; a file that holds a
 * link instead (`#s=…`, `#preset=…&chip=…`, or a whole URL with such a hash) is read as that link; a JSON object
 * whose `scenario` key holds the scenario (what `moe project --json` prints) is read from that key.
 */
export function scenarioFromJson(text: string): ScenarioRead {
  if (typeof text !== 'string') return failed('The scenario is not text.');
  if (text.length > MAX_JSON_LENGTH) {
    return failed(
      `The scenario file is too large (${text.length} characters; at most ${MAX_JSON_LENGTH} are read).`,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // UTF-16 or UTF-32 text (NULs between the characters), binary, or bytes that are not UTF-8 (decoded as U+FFFD).
  const nul = text.includes('\u0000');
  if (nul || text.includes('\ufffd'))
    return failed(
      `The file is not UTF-8 text (it holds ${nul ? 'NUL characters: UTF-16, UTF-32 or binary?' : 'bytes that are not UTF-8'}); save the scenario as UTF-8.`,
    );
  const trimmed = text.trim();
  const link = /^(?:[a-z][\w+.-]*:\/\/[^#\s]*)?#?((?:s|preset|model|lesson)=[^\s]*)$/i.exec(trimmed);
  if (link || /^[a-z][\w+.-]*:\/\/[^#\s]*#\S*$/i.test(trimmed)) {
    const hash = link ? link[1] : trimmed.slice(trimmed.indexOf('#') + 1);
    if (hash.trim() === '')
      return failed('The file holds a link with nothing after "#": it holds no scenario.');
    const decoded = decodeHash(hash);
    if (decoded.error) return failed(`The file holds a link whose scenario cannot be read: ${decoded.error}`);
    // A link none of whose parts could be read (unknown preset or lesson, bad escapes, values out of range)
    // would open the defaults: a file has no current scenario to fall back on, so that is an error.
    if (decoded.issues.length && sameScenario(decoded.scenario, defaultScenario()))
      return failed(`The file holds a link with nothing readable in it: ${oneLine(decoded.issues[0])}`);
    return {
      scenario: decoded.scenario,
      issues: ['The file holds a link, not scenario JSON; read it as that link.', ...decoded.issues],
    };
  }
  let parsed: unknown;
  try {
    parsed = parseJsonSafely(text, MAX_NESTING_DEPTH);
  } catch (err) {
    if (err instanceof RangeError) return failed(`The scenario is ${oneLine(err.message)}.`);
    return failed(`The scenario is not valid JSON (${oneLine((err as Error).message)}); ${EXPECTED}.`);
  }
  if (!isObject(parsed)) {
    return failed(`The scenario holds ${jsonKind(parsed)}, not an object of parameters; ${EXPECTED}.`);
  }
  const keys = Object.keys(parsed);
  if (keys.includes('scenario') && !keys.some(isScenarioKey)) {
    if (!isObject(parsed.scenario))
      return failed(
        `The file's "scenario" key holds ${jsonKind(parsed.scenario)}, not an object of parameters.`,
      );
    const none = noParameters(parsed.scenario);
    if (none) return failed(`The file's "scenario" key ${none}`);
    const inner = fromStored(parsed.scenario);
    return {
      scenario: inner.scenario,
      issues: ['Read the scenario from the file\'s "scenario" key.', ...inner.issues],
    };
  }
  const none = noParameters(parsed);
  if (none) return failed(`The file ${none}`);
  return fromStored(parsed);
}

/**
 * "holds none of the scenario's parameters (its keys: …)" for an object with keys but none of a scenario's (a
 * chip file, a count table or a report given by mistake would otherwise run the defaults with every key
 * "ignored"); undefined otherwise. `{}` asks for the defaults and is read.
 */
function noParameters(obj: Record<string, unknown>): string | undefined {
  const keys = Object.keys(obj);
  if (keys.length === 0 || keys.some(isScenarioKey)) return undefined;
  return `holds none of the scenario's parameters (its keys: ${shownKeys(keys)}); ${EXPECTED}.`;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A key a stored scenario may hold: a parameter, the version, or a key older versions wrote. */
const isScenarioKey = (k: string) =>
  (PARAM_KEYS as string[]).includes(k) || k === 'v' || LEGACY_KEYS.includes(k);

const sameScenario = (a: Scenario, b: Scenario) =>
  JSON.stringify(scenarioToObject(a)) === JSON.stringify(scenarioToObject(b));

/**
 * A stored scenario (file, `#s=` link, or the fields of a readable link) over `base`. A named model preset fills
 * the model fields the input leaves out, as in a readable link: `{"preset": "mixtral-8x7b"}` is Mixtral, not the
 * default shape labelled Mixtral; fields the input gives win (a saved scenario gives them all).
 */
function fromStored(parsed: unknown, base?: Scenario): Checked {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return validateScenario(parsed, base);
  }
  const { raw, issues } = migrate(parsed as Record<string, unknown>);
  const preset =
    typeof raw.preset === 'string' ? findModelPreset(raw.preset.trim().toLowerCase()) : undefined;
  const start = preset ? applyModelPreset(base ?? defaultScenario(), preset.id) : base;
  const checked = validateScenario(raw, start);
  return { scenario: checked.scenario, issues: [...issues, ...checked.issues] };
}

export function encodeScenario(s: Scenario): string {
  const json = JSON.stringify(scenarioToObject(s));
  return `s=${packLinkText(json)}`;
}

/** Keys that could reach an object's prototype; never copied from a link. */
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Hash keys that are not scenario fields but belong to the page: lesson, presentation and embed modes, theme, and
 * a person's benchmark points (`pts`, read and checked by the cost model's userPointsLink.ts, never here).
 */
export const EXTRA_KEYS: readonly string[] = ['lesson', 'present', 'embed', 'theme', 'pts'];

/** Short-form aliases accepted in readable links. */
const ALIASES: Record<string, ParamKey> = {
  chip: 'chips',
  model: 'preset',
  k: 'topK',
  E: 'experts',
  T: 'tokens',
};

/** Names from older schemas that readable links may still use; migrate() turns them into current fields. */
const LEGACY_KEYS: readonly string[] = ['weightBytes', 'actBytes'];

/** Apply a model preset: its fields, and the defaults for model and routing fields it leaves unset. */
export function applyModelPreset(s: Scenario, presetId: string): Scenario {
  const preset = findModelPreset(presetId);
  if (!preset) return s;
  const defaults = defaultScenario();
  const out = { ...s } as Record<ParamKey, unknown>;
  for (const key of MODEL_KEYS) out[key] = defaults[key];
  Object.assign(out, preset.values, { preset: preset.id });
  return out as Scenario;
}

/**
 * Decode a URL hash (with or without '#'). Never throws: a broken or hostile hash yields the nearest valid
 * scenario and messages naming what was wrong.
 */
export function decodeHash(hash: string, base: Scenario = defaultScenario()): Decoded {
  const extras: HashExtras = {};
  if (typeof hash !== 'string') {
    const error = 'The link is not text.';
    return { scenario: base, issues: [error], extras, error };
  }
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (text.trim() === '') return { scenario: base, issues: [], extras };
  if (text.length > MAX_HASH_LENGTH) {
    const error = `The link is too long (${text.length} characters) to be a scenario.`;
    return { scenario: base, issues: [error], extras, error };
  }
  const issues: string[] = [];
  const params: [string, string][] = [];
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? '' : part.slice(eq + 1);
    try {
      params.push([decodeURIComponent(rawKey), decodeURIComponent(rawValue.replace(/\+/g, ' '))]);
    } catch {
      issues.push(`Could not read "${rawKey.slice(0, 20)}" in the link (bad %-escape).`);
    }
  }

  let scenario = base;
  const full = params.find(([k]) => k === 's');
  // A lesson link opens the lesson's scenario; once edited, the link carries the full scenario as well.
  const lessonId = params.find(([k]) => k === 'lesson')?.[1];
  /** How many leading params the lesson supplied (the link's own keys may override them without a message). */
  let fromLesson = 0;
  if (lessonId !== undefined) {
    const lesson = findLesson(lessonId);
    if (!lesson) issues.push(`Unknown lesson "${lessonId.slice(0, 40)}".`);
    else if (!full) {
      params.unshift(...Object.entries(lesson.scenario));
      fromLesson = Object.keys(lesson.scenario).length;
    }
  }
  let error: string | undefined;
  if (full) {
    let parsed: unknown;
    try {
      const json = unpackLinkText(full[1], 4 * MAX_JSON_LENGTH + 1);
      if (json === undefined || json.length > MAX_JSON_LENGTH) {
        error =
          `The scenario in this link is too large (more than ${MAX_JSON_LENGTH} characters once ` +
          'decompressed).';
      } else parsed = parseJsonSafely(json, MAX_NESTING_DEPTH);
    } catch (err) {
      error =
        err instanceof RangeError && /nested/.test(err.message)
          ? `The scenario in this link is ${oneLine(err.message)}.`
          : 'The scenario in this link is damaged (it could not be decompressed or read).';
    }
    if (error === undefined && !isObject(parsed))
      error = `The scenario in this link holds ${jsonKind(parsed)}, not an object of parameters.`;
    if (error !== undefined) issues.push(`${error.slice(0, -1)}; opening the default scenario.`);
    else {
      const checked = fromStored(parsed, base);
      scenario = checked.scenario;
      issues.push(...checked.issues);
    }
  }

  // Readable form: a preset first, then individual fields on top.
  const fields: Record<string, unknown> = {};
  const unknown: string[] = [];
  const given = new Map<string, string>();
  const repeated: string[] = [];
  for (const [i, [key, value]] of params.entries()) {
    if (key === 's') continue;
    if (UNSAFE_KEYS.has(key)) {
      unknown.push(key);
      continue;
    }
    const target = ALIASES[key] ?? key;
    const legacy = LEGACY_KEYS.includes(key);
    const known =
      (PARAM_KEYS as string[]).includes(target) || legacy || key === 'v' || EXTRA_KEYS.includes(key);
    if (known) {
      const before = given.get(target);
      if (before !== undefined && before !== value && !repeated.includes(target)) repeated.push(target);
      if (i >= fromLesson) given.set(target, value);
    }
    if ((PARAM_KEYS as string[]).includes(target) || legacy) fields[target] = value;
    else if (key === 'v') fields.v = value;
    else if (key === 'lesson' && !findLesson(value))
      continue; // reported above; not carried into the next link
    else if (EXTRA_KEYS.includes(key)) extras[key] = value;
    else unknown.push(key === '' ? '(empty)' : key);
  }
  if (repeated.length) {
    issues.push(
      `The link gives ${repeated.slice(0, 5).join(', ')} more than once; using the last value ` +
        `(${repeated
          .slice(0, 5)
          .map((k) => `${k}=${String(given.get(k)).slice(0, 20)}`)
          .join(', ')}).`,
    );
  }
  if (unknown.length) {
    issues.push(
      `Ignored unknown link key${unknown.length > 1 ? 's' : ''}: ${unknown
        .slice(0, 5)
        .map((k) => k.slice(0, 30))
        .join(', ')}.`,
    );
  }
  if (typeof fields.preset === 'string') {
    // Case and spaces do not matter: "DeepSeek-V3" opens deepseek-v3. A known preset is applied by fromStored.
    const id = fields.preset.trim().toLowerCase();
    if (findModelPreset(id)) fields.preset = id;
    else {
      if (id !== 'custom')
        issues.push(
          `Unknown model preset "${String(fields.preset).slice(0, 40)}"; known presets: ${MODEL_PRESET_IDS.filter(
            (p) => p !== 'custom',
          ).join(', ')}.`,
        );
      delete fields.preset;
    }
  }
  if (Object.keys(fields).length) {
    const checked = fromStored(fields, scenario);
    scenario = checked.scenario;
    issues.push(...checked.issues);
  }
  return error === undefined ? { scenario, issues, extras } : { scenario, issues, extras, error };
}

/** Encode the scenario and any extras (lesson, presentation mode) as a hash string without '#'. */
export function encodeHash(s: Scenario, extras: HashExtras = {}): string {
  const parts = Object.entries(extras).map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`);
  return [encodeScenario(s), ...parts].join('&');
}
