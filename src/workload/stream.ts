import type { Scenario } from '../scenario';
import type { LayerConfig } from './layer';
import { portableExp, portableLog, Rng } from './rng';
import { hiddenStatesFromTopics, topicExponent, topicsFromMix } from './tensors';

/**
 * Token streams: the hidden states a scenario feeds its MoE layers step after step. Deterministic by seed.
 *
 * Prefill: `steps` batches of T tokens. Each token's topic is drawn from the step's topic mix, which drifts by
 * `driftRate` (the Gaussian random walk of topicMix); step n is exactly generateHiddenStates(s, cfg, n).
 *
 * Decode: B = T concurrent sequences (continuous batching), one token per sequence per step. Each sequence has its
 * own topic, drawn from the topic mix of the step it starts at (so drift reaches decode through new sequences), and
 * its own persistent direction: a token's noise is √ρ·(the sequence's vector) + √(1−ρ)·(fresh noise) with
 * ρ = SEQUENCE_NOISE_SHARE, so successive tokens of a sequence route alike, as recorded routing shows. At every step
 * after the first, each slot's sequence finishes with probability `driftRate` and a new sequence takes the slot.
 * So the experts a step touches reflect which sequences are active. Geometry otherwise as ./tensors.ts.
 */

/** Share of a decode token's noise variance that belongs to its sequence (persists across its steps). */
export const SEQUENCE_NOISE_SHARE = 0.5;

export type StreamPhase = 'prefill' | 'decode';

type StreamKnobs = Pick<Scenario, 'seed' | 'topics' | 'topicConcentration' | 'driftRate'>;

/**
 * The topic mix at steps 0 .. steps−1 in one pass (topicMix(s, n) replays the walk from step 0 on every call;
 * this is the same walk, computed incrementally, and returns identical values).
 */
export function topicMixes(s: StreamKnobs, steps: number): Float64Array[] {
  const M = s.topics;
  const logRank = new Float64Array(M);
  for (let m = 0; m < M; m++) logRank[m] = portableLog(m + 1);
  const walk = Rng.from(s.seed, 'topic-drift');
  const exponent = topicExponent(s.topicConcentration);
  const out: Float64Array[] = [];
  for (let n = 0; n < steps; n++) {
    if (n > 0 && s.driftRate > 0) for (let m = 0; m < M; m++) logRank[m] -= s.driftRate * walk.normal();
    const mix = new Float64Array(M);
    if (!Number.isFinite(exponent)) {
      let best = 0;
      for (let m = 1; m < M; m++) if (logRank[m] < logRank[best]) best = m;
      mix[best] = 1;
    } else {
      let min = Number.POSITIVE_INFINITY;
      for (let m = 0; m < M; m++) min = Math.min(min, logRank[m]);
      let sum = 0;
      for (let m = 0; m < M; m++) {
        mix[m] = portableExp(-exponent * (logRank[m] - min));
        sum += mix[m];
      }
      for (let m = 0; m < M; m++) mix[m] /= sum;
    }
    out.push(mix);
  }
  return out;
}

/** Draws a topic from a mix with one uniform number (the rule tokenTopics uses). */
function drawTopic(mix: Float64Array, cumulative: Float64Array, u: number): number {
  let acc = 0;
  for (let m = 0; m < mix.length; m++) cumulative[m] = acc += mix[m];
  const v = u * acc;
  let m = 0;
  while (m < mix.length - 1 && v >= cumulative[m]) m++;
  return m;
}

/** Which sequence each decode slot holds at each step, and each sequence's topic and start step. */
export interface DecodeSchedule {
  batch: number;
  steps: number;
  /** [steps, B] sequence id in each slot. Ids are 0 .. sequences−1 in order of start. */
  slots: Int32Array;
  /** [sequences] topic of each sequence. */
  topics: Int32Array;
  /** [sequences] step each sequence started at. */
  starts: Int32Array;
  sequences: number;
}

/**
 * The decode schedule: slot b starts with sequence b; at step n ≥ 1 each slot's sequence ends with probability
 * driftRate (one uniform per slot from the stream keyed (seed, 'decode-turnover', n)) and the next id takes over.
 */
export function decodeSchedule(s: StreamKnobs, batch: number, steps: number): DecodeSchedule {
  const mixes = topicMixes(s, steps);
  const slots = new Int32Array(steps * batch);
  const topics: number[] = [];
  const starts: number[] = [];
  const cumulative = new Float64Array(s.topics);
  const start = (step: number): number => {
    const id = topics.length;
    topics.push(drawTopic(mixes[step], cumulative, Rng.from(s.seed, 'decode-sequence-topic', id).next()));
    starts.push(step);
    return id;
  };
  for (let b = 0; b < batch; b++) slots[b] = start(0);
  for (let n = 1; n < steps; n++) {
    const turnover = Rng.from(s.seed, 'decode-turnover', n);
    for (let b = 0; b < batch; b++) {
      const ends = turnover.next() < s.driftRate;
      slots[n * batch + b] = ends ? start(n) : slots[(n - 1) * batch + b];
    }
  }
  return {
    batch,
    steps,
    slots,
    topics: Int32Array.from(topics),
    starts: Int32Array.from(starts),
    sequences: topics.length,
  };
}

export interface TokenStream {
  phase: StreamPhase;
  /** Tokens per step (decode: concurrent sequences). */
  tokens: number;
  steps: number;
  dModel: number;
  /** Topic of each token at a step. */
  topicsAt(step: number): Int32Array;
  /** Decode only: the sequence id each slot holds at a step. */
  sequencesAt(step: number): Int32Array | null;
  /** Hidden states X [T, d] at a step (generated on demand, identical on every call). */
  hiddenStates(step: number): Float32Array;
  /** Decode only: the schedule of sequences. */
  schedule: DecodeSchedule | null;
}

export interface StreamShape {
  tokens: number;
  dModel: number;
  steps: number;
  phase?: StreamPhase;
}

/** A scenario's token stream for a layer shape (tokens and dModel as the layer runs). */
export function createTokenStream(s: Scenario, shape: StreamShape): TokenStream {
  const phase = shape.phase ?? s.phase;
  const { tokens: T, dModel: d, steps } = shape;
  if (!(Number.isInteger(steps) && steps >= 1))
    throw new Error(`a stream needs at least one step (got ${steps})`);
  if (!(Number.isInteger(T) && T >= 1))
    throw new Error(`a stream needs at least one token per step (got ${T})`);
  const check = (step: number) => {
    if (!(Number.isInteger(step) && step >= 0 && step < steps))
      throw new Error(`step ${step} is outside the stream's ${steps} steps`);
  };

  if (phase === 'prefill') {
    const mixes = topicMixes(s, steps);
    const topicsAt = (step: number): Int32Array => {
      check(step);
      // tokenTopics(s, T, step) with the mix computed once.
      return topicsFromMix(s.seed, mixes[step], T, step);
    };
    return {
      phase,
      tokens: T,
      steps,
      dModel: d,
      schedule: null,
      topicsAt,
      sequencesAt: () => null,
      hiddenStates(step) {
        const topics = topicsAt(step);
        const noise = new Float64Array(T * d);
        Rng.from(s.seed, 'hidden-noise', step).fillNormal(noise);
        return hiddenStatesFromTopics(s, d, topics, noise);
      },
    };
  }

  const schedule = decodeSchedule(s, T, steps);
  const keep = Math.sqrt(SEQUENCE_NOISE_SHARE);
  const fresh = Math.sqrt(1 - SEQUENCE_NOISE_SHARE);
  const sequencesAt = (step: number) => {
    check(step);
    return schedule.slots.slice(step * T, (step + 1) * T);
  };
  return {
    phase,
    tokens: T,
    steps,
    dModel: d,
    schedule,
    topicsAt(step) {
      const ids = sequencesAt(step);
      return ids.map((id) => schedule.topics[id]);
    },
    sequencesAt,
    hiddenStates(step) {
      const ids = sequencesAt(step);
      const topics = ids.map((id) => schedule.topics[id]);
      const noise = new Float64Array(T * d);
      Rng.from(s.seed, 'decode-noise', step).fillNormal(noise, fresh);
      const own = new Float64Array(d);
      for (let b = 0; b < T; b++) {
        Rng.from(s.seed, 'decode-sequence', ids[b]).fillNormal(own, keep);
        for (let i = 0; i < d; i++) noise[b * d + i] += own[i];
      }
      return hiddenStatesFromTopics(s, d, topics, noise);
    },
  };
}

/** Convenience: the stream a scenario describes for a layer config (its tokens, d and the scenario's steps). */
export function scenarioStream(
  s: Scenario,
  cfg: Pick<LayerConfig, 'tokens' | 'dModel'>,
  steps = s.steps,
): TokenStream {
  return createTokenStream(s, { tokens: cfg.tokens, dModel: cfg.dModel, steps, phase: s.phase });
}
