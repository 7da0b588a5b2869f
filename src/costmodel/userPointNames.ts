/**
 * Names in a person's benchmark CSV: model and chip presets as people write them ("DeepSeek-R1", "NVIDIA H100 SXM5
 * 80GB") and number formats ("bfloat16", "e4m3"). Pure functions over the preset tables.
 */
import { CHIP_PRESETS, findChipPreset, findModelPreset, MODEL_PRESETS } from '../scenario';
import { printable } from '../workload';

/** Lower-case, with spaces and underscores as '-', vendor or organisation prefix dropped. */
function presetKey(raw: string): string {
  const t = raw.trim().toLowerCase();
  const last = t.includes('/') ? t.slice(t.lastIndexOf('/') + 1) : t;
  return last.replace(/[\s_]+/g, '-');
}

/** Other names people give the models (release names sharing a preset's shape). */
const MODEL_ALIASES: Record<string, string> = {
  'deepseek-r1': 'deepseek-v3',
  'deepseek-v3-0324': 'deepseek-v3',
  'deepseek-r1-0528': 'deepseek-v3',
  'kimi-k2-instruct': 'kimi-k2',
  'llama-4-scout': 'llama4-scout',
  'llama-4-maverick': 'llama4-maverick',
};
/** Trailing release words that do not change a model's shape. */
const MODEL_SUFFIXES = /-(instruct|chat|it|hf|fp8|fp4|bf16|nvfp4|mxfp4|thinking|base-v\d+|v0\.\d|\d{4})$/;

/** The model preset a CSV names (id or display name, any case, org prefix and release suffixes allowed). */
export function matchModel(raw: string): string | undefined {
  let key = presetKey(raw);
  for (let i = 0; i < 4 && key; i++) {
    if (findModelPreset(key)) return key;
    if (MODEL_ALIASES[key]) return MODEL_ALIASES[key];
    const byName = MODEL_PRESETS.find((m) =>
      m.name
        .toLowerCase()
        .split(/\s*\/\s*/)
        .some((n) => n.replace(/\s+/g, '-') === key),
    );
    if (byName) return byName.id;
    const shorter = key.replace(MODEL_SUFFIXES, '');
    if (shorter === key) break;
    key = shorter;
  }
  return undefined;
}

/** The chip preset a CSV names: id or name, any case; "NVIDIA H100 SXM5 80GB" is h100. */
export function matchChip(raw: string): string | undefined {
  const key = presetKey(raw).replace(/^(nvidia|amd|google|intel|aws)-/, '');
  const candidates = [
    key,
    key.replace(/-(sxm\d?|oam|hbm3e?|hgx)(?=-|$)/g, ''),
    key.replace(/-(sxm\d?|oam|hbm3e?|hgx|\d+-?gb)(?=-|$)/g, ''),
  ];
  for (const c of candidates) if (findChipPreset(c)) return c;
  const byName = CHIP_PRESETS.find((p) => p.name.toLowerCase().replace(/\s+/g, '-') === presetKey(raw));
  return byName?.id;
}

const FORMAT_ALIASES: Record<string, string> = {
  bfloat16: 'bf16',
  fp16: 'bf16',
  float16: 'bf16',
  half: 'bf16',
  float32: 'fp32',
  float: 'fp32',
  float8: 'fp8',
  e4m3: 'fp8',
  fp8_e4m3: 'fp8',
  fp8_e4m3fn: 'fp8',
  w8a8: 'fp8',
  w8a16: 'int8',
  mxfp4_moe: 'mxfp4',
};

/** A number format named in a CSV, or undefined when blank ("auto" and "default" are blank: the model's). */
export function parseFormat<T extends string>(
  raw: string,
  allowed: readonly T[],
  column: string,
): { value?: T; problem?: string } {
  const t = raw.trim().toLowerCase().replace(/-/g, '_');
  if (t === '' || t === 'auto' || t === 'default') return {};
  const f = FORMAT_ALIASES[t] ?? t;
  if ((allowed as readonly string[]).includes(f)) return { value: f as T };
  return { problem: `${column} "${printable(raw)}" is not one of ${allowed.join(', ')}` };
}
