import { readCustomChips } from './customChips';
import { findChipPreset } from './presets/chips';
import { defaultScenario, PARAM_KEYS, type ParamDef, type ParamKey, paramDef, type Scenario } from './schema';
import { notANumber, show, toNumber } from './values';

export { show };

/** A valid scenario plus one plain sentence per field that had to be fixed. */
export interface Checked {
  scenario: Scenario;
  issues: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/** Coerce one raw value to the parameter's type and range. Returns the value and an issue, if any. */
export function coerceParam(key: ParamKey, raw: unknown): { value: unknown; issue?: string } {
  const def: ParamDef = paramDef(key);
  const fallback = Array.isArray(def.default) ? [...def.default] : def.default;
  const bad = (why: string) => ({
    value: fallback,
    issue: `${def.label} (${key}): ${why}; using ${show(fallback)}.`,
  });
  switch (def.kind) {
    case 'int':
    case 'float': {
      const n = toNumber(raw);
      if (!Number.isFinite(n)) return bad(notANumber(raw));
      let v = def.kind === 'int' ? Math.round(n) : n;
      if (v < def.min || v > def.max) {
        v = Math.min(def.max, Math.max(def.min, v));
        return {
          value: v,
          issue: `${def.label} (${key}): ${show(raw)} is outside ${def.min}–${def.max}; using ${v}.`,
        };
      }
      if (v !== n)
        return { value: v, issue: `${def.label} (${key}): ${show(raw)} is not a whole number; using ${v}.` };
      return { value: v };
    }
    case 'bool': {
      if (typeof raw === 'boolean') return { value: raw };
      const word =
        typeof raw === 'string' ? raw.trim().toLowerCase() : raw === 1 ? '1' : raw === 0 ? '0' : null;
      if (word !== null && TRUE_WORDS.has(word)) return { value: true };
      if (word !== null && FALSE_WORDS.has(word)) return { value: false };
      return bad(`${show(raw)} is not true or false (or 1/0, yes/no, on/off)`);
    }
    case 'enum': {
      if (typeof raw === 'string' && def.options.includes(raw)) return { value: raw };
      // Case and surrounding spaces do not matter: "Decode" and " decode " mean decode.
      const folded =
        typeof raw === 'string'
          ? def.options.find((o) => o.toLowerCase() === raw.trim().toLowerCase())
          : undefined;
      if (folded !== undefined) return { value: folded };
      return bad(
        `${show(raw)} is not one of ${def.options.slice(0, 6).join(', ')}${def.options.length > 6 ? ', …' : ''}`,
      );
    }
    case 'numEnum': {
      const n = toNumber(raw);
      if (def.options.includes(n)) return { value: n };
      if (!Number.isFinite(n)) return bad(`${notANumber(raw)}; expected one of ${def.options.join(', ')}`);
      const nearest = def.options.reduce((a, b) => (Math.abs(b - n) < Math.abs(a - n) ? b : a));
      return {
        value: nearest,
        issue: `${def.label} (${key}): ${show(raw)} is not one of ${def.options.join(', ')}; using ${nearest}.`,
      };
    }
    case 'list': {
      // A link writes "h100,groq-lpu"; spaces, '+' (a space in a query) and ';' separate ids as well.
      const items = typeof raw === 'string' ? raw.split(/[\s,;]+/) : Array.isArray(raw) ? raw : null;
      if (!items) return bad(`${show(raw)} is not a list of chip ids`);
      const known: string[] = [];
      const unknown: string[] = [];
      const repeated: string[] = [];
      for (const item of items) {
        const id = typeof item === 'string' ? item.trim().toLowerCase() : '';
        if (findChipPreset(id)) {
          if (!known.includes(id)) known.push(id);
          else if (!repeated.includes(id)) repeated.push(id);
        } else if (id || typeof item !== 'string') unknown.push(typeof item === 'string' ? item : show(item));
      }
      const kept = known.slice(0, def.maxItems);
      const notes: string[] = [];
      if (unknown.length) notes.push(`unknown ${unknown.slice(0, 3).map(show).join(', ')}`);
      if (repeated.length) notes.push(`${repeated.join(', ')} listed more than once`);
      if (known.length > def.maxItems) notes.push(`at most ${def.maxItems} allowed`);
      if (kept.length < def.minItems) return bad(notes.concat('needs at least one known chip').join('; '));
      return notes.length
        ? { value: kept, issue: `${def.label} (${key}): ${notes.join('; ')}; using ${kept.join(', ')}.` }
        : { value: kept };
    }
    case 'customChips': {
      // Every fix names its chip and field; they travel as one issue of this parameter.
      const { value, issues } = readCustomChips(raw);
      return issues.length ? { value, issue: issues.join(' ') } : { value };
    }
  }
}

/** Fix combinations that are each in range but impossible together. */
export function reconcile(s: Scenario, issues: string[]): Scenario {
  const fix = <K extends ParamKey>(key: K, value: Scenario[K], why: string) => {
    issues.push(`${paramDef(key).label} (${key}): ${why}; using ${value}.`);
    s[key] = value;
  };
  if (s.topK > s.experts) fix('topK', s.experts, `k = ${s.topK} is more than E = ${s.experts}`);
  if (s.experts % s.groups !== 0) {
    let g = s.groups;
    while (s.experts % g !== 0) g--;
    fix('groups', g, `${s.groups} groups do not divide E = ${s.experts}`);
  }
  if (s.topGroups > s.groups) fix('topGroups', s.groups, `more top groups than groups (${s.groups})`);
  const perGroup = s.experts / s.groups;
  if (s.topGroups * perGroup < s.topK) {
    fix('topGroups', Math.ceil(s.topK / perGroup), `${s.topGroups} groups hold fewer than k experts`);
  }
  if (s.kvHeads > s.attnHeads) fix('kvHeads', s.attnHeads, `more KV heads than query heads (${s.attnHeads})`);
  if (s.expertParallel > s.chipCount)
    fix('expertParallel', s.chipCount, `more than the ${s.chipCount} chips`);
  if (s.tensorParallel > s.chipCount)
    fix('tensorParallel', s.chipCount, `more than the ${s.chipCount} chips`);
  if (s.expertParallel * s.expertTensorParallel > s.chipCount)
    fix(
      'expertTensorParallel',
      Math.max(1, Math.floor(s.chipCount / s.expertParallel)),
      `expert parallel ${s.expertParallel} × expert TP ${s.expertTensorParallel} is more than the ${s.chipCount} chips`,
    );
  if (s.acceptLength > s.draftTokens + 1)
    fix('acceptLength', s.draftTokens + 1, `more than draft tokens + 1 (${s.draftTokens + 1})`);
  return s;
}

/**
 * Validate untrusted input (a decoded link, a JSON file): every field is coerced and clamped, unknown fields are
 * reported, missing ones take their default. Never throws; always returns a valid scenario.
 */
export function validateScenario(input: unknown, base: Scenario = defaultScenario()): Checked {
  const issues: string[] = [];
  const s = { ...base, chips: [...base.chips] } as Scenario;
  if (!isRecord(input)) {
    issues.push('The scenario is not an object of parameters; using the defaults.');
    return { scenario: reconcile(s, issues), issues };
  }
  const known = new Set<string>(PARAM_KEYS);
  const unknown = Object.keys(input).filter((k) => !known.has(k) && k !== 'v');
  if (unknown.length)
    issues.push(
      `Ignored unknown parameter${unknown.length > 1 ? 's' : ''}: ${unknown.slice(0, 5).join(', ')}.`,
    );
  const target = s as Record<ParamKey, unknown>;
  for (const key of PARAM_KEYS) {
    if (!(key in input)) continue;
    const { value, issue } = coerceParam(key, input[key]);
    target[key] = value;
    if (issue) issues.push(issue);
  }
  return { scenario: reconcile(s, issues), issues };
}

/** True when a scenario already satisfies every rule (used by property tests). */
export function isValidScenario(s: Scenario): boolean {
  return validateScenario(s).issues.length === 0;
}
