import { capacityOf, type LayerConfig } from '../workload';

/**
 * Host side of the uniform structs the shaders read. Each field list is the order of the WGSL struct's fields;
 * test/unit/shaderContracts.test.ts checks every list against its struct (names, order and types), so a field
 * added on one side only fails a test instead of shifting every later field.
 */

/** Field order of `struct Params` in shaders/params.wgsl (all u32 except the F32 ones). */
export const LAYER_PARAM_FIELDS = [
  'tokens',
  'dModel',
  'experts',
  'topK',
  'ffn',
  'scoreFn',
  'useBias',
  'groups',
  'topGroups',
  'renormalize',
  'routeScale',
  'mode',
  'capacity',
  'dropPolicy',
  'blockSize',
  'sortSize',
  'sortValid',
  'rowsMax',
  'ffnTileRows',
  'ffnTileColsUp',
  'ffnTileColsDown',
  'sharedExperts',
  'chunkSize',
  'chunks',
] as const;

/** The f32 fields of `struct Params`; every other field is a u32. */
export const LAYER_PARAM_F32: ReadonlySet<string> = new Set(['routeScale']);

export const LAYER_PARAMS_BYTES = LAYER_PARAM_FIELDS.length * 4;

export interface DerivedSizes {
  sortSize: number;
  sortValid: number;
  rowsMax: number;
  ffnTileRows: number;
  ffnTileCols: number;
  /** Pairs per count/scatter chunk and the number of chunks (token-choice); 0 when unused. */
  chunkSize?: number;
  chunks?: number;
}

export function packLayerParams(cfg: LayerConfig, sizes: DerivedSizes): ArrayBuffer {
  const buf = new ArrayBuffer(LAYER_PARAMS_BYTES);
  const u = new Uint32Array(buf);
  const f = new Float32Array(buf);
  const values: Record<(typeof LAYER_PARAM_FIELDS)[number], number> = {
    tokens: cfg.tokens,
    dModel: cfg.dModel,
    experts: cfg.experts,
    topK: cfg.topK,
    ffn: cfg.ffnSize,
    scoreFn: cfg.scoreFn === 'sigmoid' ? 1 : 0,
    useBias: cfg.useBias ? 1 : 0,
    groups: Math.max(1, cfg.groups),
    topGroups: Math.max(1, cfg.topGroups),
    renormalize: cfg.renormalize ? 1 : 0,
    routeScale: cfg.routeScale,
    mode: cfg.routingMode === 'expert-choice' ? 1 : 0,
    capacity: capacityOf(cfg),
    dropPolicy: cfg.dropPolicy === 'probability' ? 1 : 0,
    blockSize: Math.max(1, cfg.blockSize),
    sortSize: sizes.sortSize,
    sortValid: sizes.sortValid,
    rowsMax: sizes.rowsMax,
    ffnTileRows: sizes.ffnTileRows,
    ffnTileColsUp: Math.ceil(cfg.ffnSize / sizes.ffnTileCols),
    ffnTileColsDown: Math.ceil(cfg.dModel / sizes.ffnTileCols),
    sharedExperts: cfg.sharedExperts,
    chunkSize: sizes.chunkSize ?? 0,
    chunks: sizes.chunks ?? 0,
  };
  LAYER_PARAM_FIELDS.forEach((name, i) => {
    if (LAYER_PARAM_F32.has(name)) f[i] = values[name];
    else u[i] = values[name];
  });
  return buf;
}

/** Field order of `struct FfnParams` in shaders/ffnCommon.wgsl (all u32; the pads fill it to 32 bytes). */
export const FFN_PARAM_FIELDS = [
  'dense',
  'expert',
  'rows',
  'ffn',
  'accumulate',
  'pad0',
  'pad1',
  'pad2',
] as const;
export const FFN_PARAMS_BYTES = FFN_PARAM_FIELDS.length * 4;

/** `struct FfnParams` in shaders/ffnCommon.wgsl. */
export function packFfnParams(p: {
  dense: boolean;
  expert: number;
  rows: number;
  ffn: number;
  accumulate: boolean;
}): Uint32Array {
  const values: Record<(typeof FFN_PARAM_FIELDS)[number], number> = {
    dense: p.dense ? 1 : 0,
    expert: p.expert,
    rows: p.rows,
    ffn: p.ffn,
    accumulate: p.accumulate ? 1 : 0,
    pad0: 0,
    pad1: 0,
    pad2: 0,
  };
  return Uint32Array.from(FFN_PARAM_FIELDS, (name) => values[name]);
}

/** Field order of `struct SortStep` in shaders/sortLocal.wgsl and sortGlobal.wgsl (all u32). */
export const SORT_STEP_FIELDS = ['size', 'stride', 'full', 'pad'] as const;
export const SORT_STEP_BYTES = SORT_STEP_FIELDS.length * 4;
