/** Shapes shared by the peer benchmark's Node driver (bench/peers.ts) and its page (bench/page/main.ts). */

export interface PeerSize {
  name: string;
  tokens: number;
  dModel: number;
  ffnSize: number;
  experts: number;
  topK: number;
  /** Run the tfjs composition and the CPU reference at this size (false: moe-lab alone, e.g. T ≥ 16K). */
  peers: boolean;
}

export interface PeerSpec {
  sizes: PeerSize[];
  trials: number;
  warmup: number;
  /** Size of the skewed-vs-balanced expert FFN experiment (supplied logits force the routing). */
  skew: PeerSize;
}

/** Median and min of a set of trials, ms. */
export interface Timing {
  medianMs: number;
  minMs: number;
  samples: number;
}

/** Stage groups every implementation reports, so the table lines up. */
export type PeerStage = 'router' | 'gate' | 'dispatch' | 'ffn' | 'combine';

export interface ImplResult {
  /** Whole layer (one submission / one call), median of trials. */
  total: Timing;
  /** Per stage group (moe-lab: GPU timestamps; tfjs: wall with a queue drain after each stage; CPU: wall). */
  stages: Partial<Record<PeerStage, Timing>>;
  note: string;
}

export interface MoeStageRow {
  name: string;
  label: string;
  medianMs: number;
  minMs: number;
  flops: number;
  bytes: number;
  /** Achieved rate: GFLOP/s for GEMM stages, GB/s otherwise. */
  rate: number;
  rateUnit: 'GFLOP/s' | 'GB/s';
  /** Fraction of the micro-benchmark roof for that unit (matmul rate or copy bandwidth). */
  ofRoof: number;
}

export interface DeviceRoofPoint {
  copyGBps: number;
  matmulGflops: number;
}

export interface SizeResult {
  size: PeerSize;
  shape: string;
  agreement: {
    idsEqual: boolean;
    countsEqual: boolean;
    /** max |y - y_ref| / max |y_ref|. */
    moeYErr: number;
    tfjsYErr: number | null;
    idMismatches: { moe: number; tfjs: number | null };
  };
  moe: ImplResult & { rows: MoeStageRow[]; compiledPipelines: number; recompiledOnRerun: number };
  /**
   * The roofline the rows are measured against: the micro-benchmark run just before and just after this size's
   * moe-lab trials (a shared machine's load drifts); the fractions use their mean (meanRoof).
   */
  roof?: { before: DeviceRoofPoint; after: DeviceRoofPoint };
  tfjs: ImplResult | null;
  cpu: ImplResult | null;
}

export interface SkewResult {
  shape: string;
  maxOverMean: number;
  balancedFfnMs: number;
  skewedFfnMs: number;
  /** 6·T·k·d·f / time. */
  skewedGflops: number;
  balancedGflops: number;
  /** tfjs dense matMuls ([T·k, d]×[d, f] twice, [T·k, f]×[f, d]) on the same FLOPs. */
  tfjsDenseMs: number;
  tfjsDenseGflops: number;
}

export interface PeerReport {
  when: string;
  userAgent: string;
  adapter: { label: string; isSoftware: boolean; architecture: string; features: string[] };
  tfjsVersion: string;
  microbench: { copyGBps: number; matmulGflops: number; matmulSize: number; source: string };
  trials: number;
  warmup: number;
  sizes: SizeResult[];
  skew: SkewResult;
}

/** The roof a size's fractions use: the mean of the micro-benchmarks before and after its trials. */
export function meanRoof(r: { before: DeviceRoofPoint; after: DeviceRoofPoint }): DeviceRoofPoint {
  return {
    copyGBps: (r.before.copyGBps + r.after.copyGBps) / 2,
    matmulGflops: (r.before.matmulGflops + r.after.matmulGflops) / 2,
  };
}
