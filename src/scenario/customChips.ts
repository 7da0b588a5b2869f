/**
 * Custom chips: up to MAX_CUSTOM_CHIPS named chips per scenario, each a preset (`basedOn`) with some of its
 * figures changed (chipFields.ts). A chip is stored as `{"name": …, "basedOn": "h100", "hbmBandwidthTBs": 6.7}`:
 * only the changed figures, so a link stays short. The same object, with every figure and a `sources` note, is
 * the chip file `moe chip h100` prints. Everything read here comes from outside (a link, a file): each figure is
 * checked and clamped, inconsistent ones are fixed, and every fix is one sentence naming the chip and the field.
 */
import { CHIP_FIELD_KEYS, CHIP_FIELDS, type ChipFieldKey, presetFigure } from './chipFields';
import { jsonNestingDepth, parseJsonSafely } from './json';
import { CHIP_PRESETS, type ChipPreset, findChipPreset } from './presets/chips';
import { notANumber, show, shownKeys, toNumber } from './values';

export const MAX_CUSTOM_CHIPS = 4;
export const MAX_CHIP_NAME_LENGTH = 40;
/** The chip file's format version (`chipFormat`); a newer one is read with a note. */
export const CHIP_FILE_FORMAT = 1;
/** The preset a chip without `basedOn` starts from. */
export const DEFAULT_CHIP_BASE = 'h100';
/** Keys a chip object may hold besides its figures. */
const META_KEYS = ['name', 'basedOn', 'chipFormat', 'sources', 'figures'] as const;
/** More keys than this is not a chip (every figure plus the meta keys is 35). */
const MAX_CHIP_KEYS = 64;

export type ChipFigures = Partial<Record<ChipFieldKey, number>>;

export interface CustomChip {
  name: string;
  /** The preset whose figures the chip starts from (a single-chip preset id). */
  basedOn: string;
  /** The figures that differ from (or were given over) the base; bool figures are 0 or 1. */
  figures: ChipFigures;
}

/** Presets a custom chip can start from: single chips, not two-pool systems. */
export const CHIP_BASES: readonly ChipPreset[] = CHIP_PRESETS.filter((p) => !p.system);

/** The id a custom chip has in projections and exports: custom-1 … custom-4, in scenario order. */
export const customChipId = (index: number): string => `custom-${index + 1}`;
export const isCustomChipId = (id: string): boolean => /^custom-\d+$/.test(id);
/** The name shown everywhere the chip appears: the "custom" label says it is not a real chip. */
export const customChipLabel = (c: CustomChip): string => `${c.name} (custom)`;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ChipsRead {
  value: CustomChip[];
  issues: string[];
}

/**
 * Read the custom chips of a scenario (an array of chip objects, or JSON text of one from a readable link).
 * Never throws: bad chips are dropped, bad figures fixed, each with a sentence in `issues`.
 */
export function readCustomChips(raw: unknown): ChipsRead {
  const issues: string[] = [];
  let list = raw;
  if (typeof raw === 'string') {
    list = parseChipText(raw, issues);
    if (list === undefined) return { value: [], issues };
  }
  if (!Array.isArray(list)) {
    issues.push(`Custom chips (customChips): ${show(raw)} is not a list of chips; using none.`);
    return { value: [], issues };
  }
  if (list.length > MAX_CUSTOM_CHIPS) {
    issues.push(
      `Custom chips (customChips): ${list.length} chips given, at most ${MAX_CUSTOM_CHIPS} allowed; ` +
        `using the first ${MAX_CUSTOM_CHIPS}.`,
    );
  }
  const value: CustomChip[] = [];
  for (let i = 0; i < Math.min(list.length, MAX_CUSTOM_CHIPS); i++) {
    const chip = readCustomChip(list[i], `Custom chip ${i + 1}`, issues);
    if (chip) value.push(chip);
  }
  dedupeNames(value, issues);
  return { value, issues };
}

/** A readable link gives the chips as JSON text; only a short, shallow text is parsed. */
function parseChipText(text: string, issues: string[]): unknown {
  const tooDeep = jsonNestingDepth(text) > 4;
  if (text.length > 8192 || tooDeep) {
    issues.push(
      'Custom chips (customChips): the text is too long or nested too deep to be chips; using none.',
    );
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    issues.push(`Custom chips (customChips): ${show(text)} is not JSON chips; using none.`);
    return undefined;
  }
}

/** Two chips may not share a name (case and spaces aside): later ones get " (2)", " (3)". */
function dedupeNames(chips: CustomChip[], issues: string[]): void {
  const seen = new Set<string>();
  const fold = (s: string) => s.trim().toLowerCase();
  chips.forEach((c, i) => {
    let name = c.name;
    for (let n = 2; seen.has(fold(name)); n++) {
      const suffix = ` (${n})`;
      name = `${c.name.slice(0, MAX_CHIP_NAME_LENGTH - suffix.length)}${suffix}`;
    }
    if (name !== c.name) {
      issues.push(`Custom chip ${i + 1}: the name ${show(c.name)} is taken; using ${show(name)}.`);
      c.name = name;
    }
    seen.add(fold(name));
  });
}

/** The most bytes a chip file may hold (what `moe chip` prints is about 2 KiB). */
export const MAX_CHIP_FILE_BYTES = 64 * 1024;

/**
 * A chip file's text (what `moe chip <preset>` prints or the editor saves), read for the CLI's --chip-file and the
 * app's "Open chip file" alike: size-capped, a leading BOM dropped, JSON parsed with the nesting limit, then checked
 * as a link's chip is. Returns undefined when it holds no chip, the reason being the last issue.
 */
export function readChipFileText(text: string, label: string, issues: string[]): CustomChip | undefined {
  if (text.length > MAX_CHIP_FILE_BYTES) {
    issues.push(`${label} is ${text.length} characters; a chip file holds at most ${MAX_CHIP_FILE_BYTES}.`);
    return undefined;
  }
  let raw: unknown;
  try {
    raw = parseJsonSafely(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    issues.push(`${label} is not a chip file: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
  if (isRecord(raw)) {
    const keys = Object.keys(raw);
    if (!keys.some((k) => (META_KEYS as readonly string[]).includes(k) || Object.hasOwn(CHIP_FIELDS, k))) {
      // A scenario file or a count table given by mistake would read as the base preset under the file's name.
      issues.push(
        `${label} holds none of a chip file's keys (${shownKeys(keys)}); ` +
          'a chip file is what `npm run moe -- chip h100` prints or the editor saves.',
      );
      return undefined;
    }
  }
  return readCustomChip(raw, label, issues);
}

/**
 * Read one chip object (from a scenario or a chip file). Returns undefined (with an issue) when it is not a chip at
 * all; otherwise a valid chip, every fix an issue starting with `label`.
 */
export function readCustomChip(raw: unknown, label: string, issues: string[]): CustomChip | undefined {
  if (!isRecord(raw)) {
    issues.push(`${label}: ${show(raw)} is not a chip object; dropped.`);
    return undefined;
  }
  // The in-memory form keeps the figures apart ({name, basedOn, figures}); files and links write them flat.
  if (isRecord(raw.figures)) {
    const { figures, ...rest } = raw;
    raw = { ...rest, ...figures };
    if (!isRecord(raw)) return undefined;
  }
  const keys = Object.keys(raw);
  if (keys.length > MAX_CHIP_KEYS) {
    issues.push(`${label}: ${keys.length} keys is too many for a chip (at most ${MAX_CHIP_KEYS}); dropped.`);
    return undefined;
  }
  const name = readName(raw.name, label, issues);
  const at = `${label} ${show(name)}`;
  const base = readBase(raw.basedOn, at, issues);
  const unknown = keys.filter(
    (k) => !(META_KEYS as readonly string[]).includes(k) && !Object.hasOwn(CHIP_FIELDS, k),
  );
  if (unknown.length) {
    issues.push(
      `${at}: ignored unknown figure${unknown.length > 1 ? 's' : ''} ${unknown
        .slice(0, 5)
        .map((k) => show(k))
        .join(', ')}.`,
    );
  }
  readFormat(raw.chipFormat, at, issues);
  const figures: ChipFigures = {};
  for (const key of CHIP_FIELD_KEYS) {
    if (!Object.hasOwn(raw, key)) continue;
    const v = readFigure(key, raw[key], at, issues);
    if (v !== undefined) figures[key] = v;
  }
  const chip: CustomChip = { name, basedOn: base.id, figures };
  makeConsistent(chip, base, at, issues);
  dropUnchanged(chip, base);
  return chip;
}

function readName(raw: unknown, label: string, issues: string[]): string {
  const fallback = label;
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string') {
    issues.push(`${label}: the name ${show(raw)} is not text; using ${show(fallback)}.`);
    return fallback;
  }
  // Control and formatting characters (newlines, bidi overrides) would break a table or a message.
  const clean = raw
    .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (clean === '') {
    if (raw !== '') issues.push(`${label}: the name ${show(raw)} is blank; using ${show(fallback)}.`);
    return fallback;
  }
  const name = [...clean].slice(0, MAX_CHIP_NAME_LENGTH).join('');
  if (name !== clean)
    issues.push(`${label}: the name is longer than ${MAX_CHIP_NAME_LENGTH} characters; using ${show(name)}.`);
  return name;
}

function readBase(raw: unknown, at: string, issues: string[]): ChipPreset {
  const fallback = findChipPreset(DEFAULT_CHIP_BASE) as ChipPreset;
  if (raw === undefined) return fallback;
  const id = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  const preset = CHIP_BASES.find((p) => p.id === id);
  if (preset) return preset;
  const why = findChipPreset(id) ? 'is a two-pool system, not one chip' : 'is not a chip preset';
  issues.push(`${at}, based on (basedOn): ${show(raw)} ${why}; using ${DEFAULT_CHIP_BASE}.`);
  return fallback;
}

function readFormat(raw: unknown, at: string, issues: string[]): void {
  if (raw === undefined || raw === CHIP_FILE_FORMAT) return;
  const n = toNumber(raw);
  if (Number.isInteger(n) && n > CHIP_FILE_FORMAT)
    issues.push(
      `${at}: chip format ${n} is newer than this moe-lab's (${CHIP_FILE_FORMAT}); read as ${CHIP_FILE_FORMAT}.`,
    );
  else if (n !== CHIP_FILE_FORMAT)
    issues.push(`${at}: chip format ${show(raw)} is unknown; read as ${CHIP_FILE_FORMAT}.`);
}

/** One figure, coerced to its kind and clamped into its range; undefined (with an issue) when unreadable. */
function readFigure(key: ChipFieldKey, raw: unknown, at: string, issues: string[]): number | undefined {
  const f = CHIP_FIELDS[key];
  const where = `${at}, ${f.label} (${key})`;
  if (f.kind === 'bool') {
    if (raw === true || raw === 1 || raw === 'true' || raw === '1') return 1;
    if (raw === false || raw === 0 || raw === 'false' || raw === '0') return 0;
    issues.push(`${where}: ${show(raw)} is not true or false; using the base chip's.`);
    return undefined;
  }
  const n = toNumber(raw);
  if (!Number.isFinite(n)) {
    issues.push(`${where}: ${notANumber(raw)}; using the base chip's.`);
    return undefined;
  }
  let v = f.kind === 'int' ? Math.round(n) : n;
  if (v < f.min || v > f.max) {
    v = Math.min(f.max, Math.max(f.min, v));
    issues.push(`${where}: ${show(raw)} ${f.unit} is outside ${f.min}–${f.max}; using ${v}.`);
  } else if (v !== n) issues.push(`${where}: ${show(raw)} is not a whole number; using ${v}.`);
  else if (f.minPositive !== undefined && v > 0 && v < f.minPositive) {
    v = f.minPositive;
    issues.push(
      `${where}: ${show(raw)} ${f.unit} is too small (0 for none, else at least ${v}); using ${v}.`,
    );
  }
  return v;
}

/** The chip's figure: its own, else the base preset's (undefined where the cost model derives it). */
const figureOf = (c: CustomChip, base: ChipPreset, key: ChipFieldKey) =>
  c.figures[key] ?? presetFigure(base, key);

/**
 * Figures that are each in range but impossible together: FP8 or FP4 slower than BF16 (a chip without those units
 * runs them at the BF16 rate), no memory at all, and HBM that cannot be read.
 */
function makeConsistent(c: CustomChip, base: ChipPreset, at: string, issues: string[]): void {
  const fix = (key: ChipFieldKey, value: number, why: string) => {
    issues.push(`${at}, ${CHIP_FIELDS[key].label} (${key}): ${why}; using ${value}.`);
    c.figures[key] = value;
  };
  const bf16 = figureOf(c, base, 'bf16Tflops') ?? 0;
  for (const key of ['fp8Tflops', 'fp4Tflops'] as const) {
    const v = figureOf(c, base, key);
    if (v !== undefined && v < bf16) fix(key, bf16, `${v} TFLOP/s is slower than BF16 (${bf16})`);
  }
  const hbmGB = figureOf(c, base, 'hbmCapacityGB') ?? 0;
  const sramMB = figureOf(c, base, 'sramCapacityMB') ?? 0;
  if (hbmGB <= 0 && sramMB <= 0) {
    const baseHbm = presetFigure(base, 'hbmCapacityGB') ?? 0;
    if (baseHbm > 0) fix('hbmCapacityGB', baseHbm, 'a chip needs HBM or SRAM to hold its weights');
    else fix('sramCapacityMB', presetFigure(base, 'sramCapacityMB') || 1, 'a chip needs HBM or SRAM');
  }
  const hbmNow = figureOf(c, base, 'hbmCapacityGB') ?? 0;
  const hbmTBs = figureOf(c, base, 'hbmBandwidthTBs') ?? 0;
  if (hbmNow > 0 && hbmTBs <= 0) {
    const baseTBs = presetFigure(base, 'hbmBandwidthTBs') ?? 0;
    fix('hbmBandwidthTBs', baseTBs > 0 ? baseTBs : 1, `0 TB/s cannot read ${hbmNow} GB of HBM`);
  }
}

/** Figures equal to the base preset's own are not stored: the link holds only what was changed. */
function dropUnchanged(c: CustomChip, base: ChipPreset): void {
  for (const key of CHIP_FIELD_KEYS) {
    if (c.figures[key] !== undefined && c.figures[key] === presetFigure(base, key)) delete c.figures[key];
  }
}

/** A figure as files and links write it: booleans for on/off figures. */
const storedFigure = (key: ChipFieldKey, v: number): number | boolean =>
  CHIP_FIELDS[key].kind === 'bool' ? v !== 0 : v;

/** The stored form in a link or scenario file: name, base and the changed figures, in table order. */
export function customChipToStored(c: CustomChip): Record<string, unknown> {
  const out: Record<string, unknown> = { name: c.name, basedOn: c.basedOn };
  for (const key of CHIP_FIELD_KEYS) {
    const v = c.figures[key];
    if (v !== undefined) out[key] = storedFigure(key, v);
  }
  return out;
}

/**
 * A chip file: every figure (the resolved values the cost model uses) with units in the key names and, in
 * `sources`, where each figure comes from. `moe chip h100` prints one; `--chip-file` and the editor read it.
 */
export function chipFile(
  name: string,
  basedOn: string,
  values: Record<ChipFieldKey, number>,
  sources: Partial<Record<ChipFieldKey, string>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { chipFormat: CHIP_FILE_FORMAT, name, basedOn };
  for (const key of CHIP_FIELD_KEYS) out[key] = storedFigure(key, values[key]);
  out.sources = sources;
  return out;
}

/** The JSON Schema of one chip object (draft 2020-12), generated from the field table. */
export function customChipJsonSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    chipFormat: { type: 'integer', const: CHIP_FILE_FORMAT, description: 'Chip file format version.' },
    name: {
      type: 'string',
      minLength: 1,
      maxLength: MAX_CHIP_NAME_LENGTH,
      description: 'Name shown with "(custom)".',
    },
    basedOn: {
      type: 'string',
      enum: CHIP_BASES.map((p) => p.id),
      default: DEFAULT_CHIP_BASE,
      description: 'The preset the chip starts from; figures not given are its own.',
    },
    sources: {
      type: 'object',
      description: 'Where each figure comes from (written by `moe chip`, not read).',
    },
  };
  for (const key of CHIP_FIELD_KEYS) {
    const f = CHIP_FIELDS[key];
    const description = `${f.help} Unit: ${f.unit}.`;
    properties[key] =
      f.kind === 'bool'
        ? { title: f.label, description, type: 'boolean' }
        : {
            title: f.label,
            description,
            type: f.kind === 'int' ? 'integer' : 'number',
            minimum: f.min,
            maximum: f.max,
          };
  }
  return { type: 'object', properties, additionalProperties: false };
}
