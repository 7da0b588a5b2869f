import type { LayerConfig, LayerTensors } from './layer';

/** Names of the tensors a layer takes (the fields of LayerTensors). */
export type TensorName = keyof LayerTensors;

export const TENSOR_NAMES: readonly TensorName[] = [
  'x',
  'router',
  'bias',
  'logits',
  'w1',
  'w3',
  'w2',
  'sharedW1',
  'sharedW3',
  'sharedW2',
];

/** One dimension of an expected shape: its symbol in messages and its size. */
export interface Dim {
  name: string;
  size: number;
}

/** The shape every tensor must have for a config, with dimension names for messages. */
export function expectedShapes(cfg: LayerConfig): Record<TensorName, Dim[]> {
  const T: Dim = { name: 'T', size: cfg.tokens };
  const d: Dim = { name: 'd', size: cfg.dModel };
  const E: Dim = { name: 'E', size: cfg.experts };
  const f: Dim = { name: 'f', size: cfg.ffnSize };
  const S: Dim = { name: 'S', size: cfg.sharedExperts };
  const fs: Dim = { name: 'fs', size: cfg.sharedFfnSize };
  return {
    x: [T, d],
    router: [d, E],
    bias: [E],
    logits: [T, E],
    w1: [E, d, f],
    w3: [E, d, f],
    w2: [E, f, d],
    sharedW1: [S, d, fs],
    sharedW3: [S, d, fs],
    sharedW2: [S, fs, d],
  };
}

const showDims = (dims: readonly Dim[]) => `[${dims.map((x) => `${x.name}=${x.size}`).join(', ')}]`;
const sizeOf = (dims: readonly Dim[]) => dims.reduce((n, x) => n * x.size, 1);

/** A user-supplied tensor: a shape (from a .npy header) or a bare array whose length is checked. */
export interface ShapedTensor {
  shape: readonly number[];
  dtype?: string;
  data?: { length: number };
}

export class TensorShapeError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join(' '));
    this.name = 'TensorShapeError';
    this.problems = problems;
  }
}

/**
 * One plain sentence per supplied tensor whose dtype or shape does not fit the config, e.g.
 * "router.npy has shape [64, 8]; expected [d=256, E=16]." `labels` names each tensor in messages (a file name);
 * the default is the tensor's name. Tensors not supplied are not checked.
 */
export function tensorShapeProblems(
  cfg: LayerConfig,
  tensors: Partial<Record<TensorName, ShapedTensor | Float32Array>>,
  labels: Partial<Record<TensorName, string>> = {},
): string[] {
  const expected = expectedShapes(cfg);
  const problems: string[] = [];
  for (const name of TENSOR_NAMES) {
    const given = tensors[name];
    if (given === undefined) continue;
    const label = labels[name] ?? name;
    const want = expected[name];
    if (given instanceof Float32Array) {
      if (given.length !== sizeOf(want)) {
        problems.push(`${label} has ${given.length} values; expected ${showDims(want)} = ${sizeOf(want)}.`);
      }
      continue;
    }
    if (given.dtype !== undefined && given.dtype !== 'float32') {
      problems.push(`${label} holds ${given.dtype}; expected float32.`);
    }
    const same = given.shape.length === want.length && given.shape.every((n, i) => n === want[i].size);
    if (!same) problems.push(`${label} has shape [${given.shape.join(', ')}]; expected ${showDims(want)}.`);
    else if (given.data && given.data.length !== sizeOf(want)) {
      problems.push(`${label} has ${given.data.length} values for shape [${given.shape.join(', ')}].`);
    }
  }
  return problems;
}

/** Throws a TensorShapeError listing every problem, if there are any. */
export function validateTensorShapes(
  cfg: LayerConfig,
  tensors: Partial<Record<TensorName, ShapedTensor | Float32Array>>,
  labels: Partial<Record<TensorName, string>> = {},
): void {
  const problems = tensorShapeProblems(cfg, tensors, labels);
  if (problems.length) throw new TensorShapeError(problems);
}

/** Checks a full LayerTensors before a run; logits are optional and the router may be empty when they are given. */
export function validateLayerTensors(cfg: LayerConfig, t: LayerTensors): void {
  const given: Partial<Record<TensorName, Float32Array>> = { ...t };
  if (t.logits && t.router.length === 0) delete given.router;
  validateTensorShapes(cfg, given);
}
