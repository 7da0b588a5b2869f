/**
 * Communication stages: the tensor-parallel all-reduce, the expert-parallel all-to-all (dispatch and combine) and
 * the pipeline hop (docs/COST_MODEL.md §5).
 */
import type { ChipSpec, HardwareSpec, LayerNetworkLoad } from '../types';

/**
 * Ring all-reduce of `bytes` per chip over `tp` chips: 2(tp−1) hops and 2(tp−1)/tp of the bytes on each link, and
 * never less than the serving stack's smallest all-reduce (`floor`).
 */
export function allReduce(
  c: ChipSpec,
  tp: number,
  bytes: number,
  floor = 0,
): { time: number; linkBytes: number } {
  if (tp <= 1) return { time: 0, linkBytes: 0 };
  const ring = 2 * (tp - 1) * c.linkLatency + ((2 * (tp - 1)) / tp) * (bytes / (c.linkBw * c.linkEfficiency));
  return { time: Math.max(floor, ring), linkBytes: ((2 * (tp - 1)) / tp) * bytes };
}

/** Stage-to-stage activations over scale-out: (stages − 1) hops of `bytes`. */
export function pipelineHops(c: ChipSpec, stages: number, bytes: number): number {
  return stages > 1 ? (stages - 1) * (c.scaleOutLatency + bytes / (c.scaleOutBw * c.linkEfficiency)) : 0;
}

/**
 * One all-to-all as seen by a chip that sends `sent` and receives `received` bytes:
 * fixed + max(sent · secPerSentByte, received · secPerRecvByte). Scale-up and scale-out shares move in parallel,
 * so the slower of the two sets the per-byte cost.
 */
export interface AllToAllCoefficients {
  a2aOn: boolean;
  a2aFixed: number;
  secPerSentByte: number;
  secPerRecvByte: number;
}

export interface AllToAllGeometry extends AllToAllCoefficients {
  /** Share of a chip's bytes that leave it, of those the share inside a scale-up domain, and the prefill factor. */
  remote: number;
  upShare: number;
  outFactor: number;
  eff: number;
  /** Link energy per byte a chip sends (J). */
  perByteLink: number;
}

export interface AllToAllWork {
  /** Chips exchanging tokens in one stage, and whether they are two pools (attention → experts). */
  chips: number;
  disaggregated: boolean;
  decode: boolean;
  topK: number;
  /** Expert groups and node-limited routing (topGroups) of the model, for the hierarchical prefill. */
  groups: number;
  topGroups: number;
}

export function allToAllGeometry(hw: HardwareSpec, w: AllToAllWork): AllToAllGeometry {
  const X = hw.experts;
  const A = hw.attention;
  const disagg = w.disaggregated;
  const N = w.chips;
  const remote = disagg ? 1 : N > 1 ? (N - 1) / N : 0;
  const dom = Math.min(X.scaleUpDomain, N);
  const upShare = disagg ? 0 : N > 1 ? (dom - 1) / (N - 1) : 1;
  const cross = hw.crossPool;
  const a2aBase = disagg && cross ? cross.a2aBase : X.a2aBase;
  const a2aLat = disagg && cross ? cross.latency : upShare < 1 ? X.scaleOutLatency : X.linkLatency;
  const eff = disagg && cross ? cross.efficiency : X.linkEfficiency;
  const a2aOn = disagg || N > 1;
  // Prefill uses a hierarchical all-to-all (DeepEP normal kernels): a token crosses the scale-out network once per
  // distinct remote node it needs (then fans out over the scale-up links), capped by node-limited routing
  // (topGroups) when experts are grouped. Decode uses direct sends (DeepEP low-latency kernels): k copies.
  const nodes = Math.ceil(N / dom);
  const outShare = N > 0 ? Math.max(0, N - dom) / N : 0;
  let outFactor = 1;
  if (!disagg && !w.decode && nodes > 1 && outShare > 0) {
    let copies = (nodes - 1) * (1 - (1 - 1 / nodes) ** w.topK);
    if (w.groups > 1) copies = Math.min(copies, w.topGroups);
    outFactor = Math.min(1, copies / w.topK / outShare);
  }
  const c0 = a2aOn ? a2aBase + a2aLat : 0;
  const kUp = (remote * upShare) / (X.linkBw * eff);
  const kOut = upShare < 1 ? (remote * (1 - upShare) * outFactor) / (X.scaleOutBw * eff) : 0;
  const k1 = !a2aOn ? 0 : disagg ? 1 / (A.scaleOutBw * eff) : Math.max(kUp, kOut);
  const k2 = !a2aOn ? 0 : disagg ? 1 / (X.scaleOutBw * eff) : k1;
  const perByteLink = disagg
    ? X.jPerScaleOutByte
    : remote * (upShare * X.jPerLinkByte + (1 - upShare) * outFactor * X.jPerScaleOutByte);
  return {
    a2aOn,
    a2aFixed: c0,
    secPerSentByte: k1,
    secPerRecvByte: k2,
    remote,
    upShare,
    outFactor,
    eff,
    perByteLink,
  };
}

/**
 * The per-byte costs with a layer's measured network (LayerLoad.network). Sends: the measured rows already leave
 * their rank (self excluded) and already go once per destination rank, so neither the remote share nor the
 * hierarchical-prefill factor applies; they split over scale-up and scale-out links by the measured share (the
 * uniform (domain − 1)/(N − 1) where the share is unknown). Receives still come from the counts (self included), so
 * they keep the remote share and the prefill factor, split by the measured share.
 */
export function measuredPerByte(
  X: ChipSpec,
  g: AllToAllGeometry,
  net: LayerNetworkLoad,
): { send: number; recv: number } {
  const up =
    net.upShare !== undefined && Number.isFinite(net.upShare)
      ? Math.min(1, Math.max(0, net.upShare))
      : g.upShare;
  const split = (scale: number, out: number) =>
    Math.max(
      (scale * up) / (X.linkBw * g.eff),
      up < 1 ? (scale * (1 - up) * out) / (X.scaleOutBw * g.eff) : 0,
    );
  return { send: split(1, 1), recv: split(g.remote, g.outFactor) };
}

/** One all-to-all for a chip that sends `sent` and receives `received` bytes (the slower direction sets it). */
export function a2aTime(k: AllToAllCoefficients, sent: number, received: number): number {
  if (!k.a2aOn) return 0;
  return k.a2aFixed + Math.max(sent * k.secPerSentByte, received * k.secPerRecvByte);
}
