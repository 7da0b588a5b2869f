import { capacityOf, type LayerConfig } from '../workload';

/** Field order of `struct Params` in shaders/params.wgsl (all u32 except routeScale, an f32). */
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
    if (name === 'routeScale') f[i] = values[name];
    else u[i] = values[name];
  });
  return buf;
}

/** `struct FfnParams` in shaders/ffnCommon.wgsl. */
export function packFfnParams(p: {
  dense: boolean;
  expert: number;
  rows: number;
  ffn: number;
  accumulate: boolean;
}): Uint32Array {
  return Uint32Array.of(p.dense ? 1 : 0, p.expert, p.rows, p.ffn, p.accumulate ? 1 : 0, 0, 0, 0);
}
