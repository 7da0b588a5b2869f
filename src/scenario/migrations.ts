/**
 * Links live forever: every stored scenario carries the schema version `v` it was written with, and each
 * migration lifts a raw object one version up. Add a step here whenever a parameter is renamed or changes meaning.
 */
import { show } from './validate';

export const SCHEMA_VERSION = 4;
/**
 * v4 added custom chips (`customChips`) and changed nothing else, so a scenario without them is still written as
 * v3: every link made before custom chips existed, and every new one without them, keeps its exact form, and an
 * older moe-lab opening a link with custom chips says that a newer version made it.
 */
export const VERSION_WITHOUT_CUSTOM_CHIPS = 3;

type Raw = Record<string, unknown>;

/** MIGRATIONS[n] lifts version n to n + 1. */
const MIGRATIONS: Record<number, (raw: Raw) => Raw> = {
  // v1 (the first link format) named E and k differently, held one chip, and had a `dropless` switch.
  1: ({ numExperts, k, chip, dropless, ...rest }) => {
    const out: Raw = { ...rest };
    if (numExperts !== undefined) out.experts = numExperts;
    if (k !== undefined) out.topK = k;
    if (chip !== undefined) out.chips = [chip];
    if (dropless === true) out.capacityFactor = 0;
    return out;
  },
  // v2 gave one byte width for all weights (weightBytes) and one for activations and KV cache (actBytes); v3 has a
  // number format per part.
  2: (raw) => liftByteWidths(raw),
  // v3 had no custom chips; v4 only adds them.
  3: (raw) => raw,
};

const WEIGHT_FORMAT_OF_BYTES: Record<string, string> = {
  '0.5': 'mxfp4',
  '1': 'fp8',
  '2': 'bf16',
  '4': 'fp32',
};
const ACT_FORMAT_OF_BYTES: Record<string, string> = { '1': 'fp8', '2': 'bf16', '4': 'fp32' };

/**
 * weightBytes → weightFormat and expertFormat, actBytes → actFormat and kvFormat. Also applied to unversioned
 * input (short links such as #weightBytes=1 and hand-written files), where the old names are unambiguous. A width
 * with no format keeps its old name, so validation reports it.
 */
function liftByteWidths({ weightBytes, actBytes, ...rest }: Raw): Raw {
  const out: Raw = { ...rest };
  const w = weightBytes === undefined ? undefined : WEIGHT_FORMAT_OF_BYTES[String(weightBytes).trim()];
  if (w !== undefined) {
    if (out.weightFormat === undefined) out.weightFormat = w;
    if (out.expertFormat === undefined) out.expertFormat = w;
  } else if (weightBytes !== undefined) out.weightBytes = weightBytes;
  const a = actBytes === undefined ? undefined : ACT_FORMAT_OF_BYTES[String(actBytes).trim()];
  if (a !== undefined) {
    if (out.actFormat === undefined) out.actFormat = a;
    if (out.kvFormat === undefined) out.kvFormat = a;
  } else if (actBytes !== undefined) out.actBytes = actBytes;
  return out;
}

/** Bring a raw stored scenario to the current version. Unknown or future versions are reported, not guessed. */
export function migrate(raw: Raw): { raw: Raw; issues: string[] } {
  const issues: string[] = [];
  // Only a number or a string of digits is a version (Number(true) or Number([1]) would read as 1).
  let v =
    raw.v === undefined
      ? SCHEMA_VERSION
      : typeof raw.v === 'number' || (typeof raw.v === 'string' && /^\s*\d+\s*$/.test(raw.v))
        ? Number(raw.v)
        : Number.NaN;
  if (!Number.isInteger(v) || v < 1) {
    issues.push(`Unknown schema version ${show(raw.v)}; reading it as version ${SCHEMA_VERSION}.`);
    v = SCHEMA_VERSION;
  } else if (v > SCHEMA_VERSION) {
    issues.push(
      `This link was made by a newer moe-lab (schema ${v}); fields this version does not know are ignored.`,
    );
    v = SCHEMA_VERSION;
  }
  let out: Raw = { ...raw };
  for (; v < SCHEMA_VERSION; v++) out = MIGRATIONS[v](out);
  if ('weightBytes' in out || 'actBytes' in out) out = liftByteWidths(out);
  delete out.v;
  return { raw: out, issues };
}
