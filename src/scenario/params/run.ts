/** How the layer runs on this device. */
import { choice, float, int } from './kinds';

export const RUN_PARAMS = {
  // ---- run ---------------------------------------------------------------------------------------------
  measureScale: float({
    group: 'run',
    label: 'Measurement scale',
    min: 0,
    max: 1,
    step: 0.001,
    default: 0,
    help: 'Fraction of f kept when the layer runs on this device (0 = automatic: shrink only to fit).',
  }),
  trials: int({
    group: 'run',
    label: 'Timed trials',
    min: 1,
    max: 50,
    default: 3,
    help: 'Timed repetitions after warm-up; the median and minimum are reported.',
  }),
  engine: choice({
    group: 'run',
    label: 'Engine',
    options: ['auto', 'gpu', 'cpu'] as const,
    default: 'auto',
    help: 'Run the layer with WebGPU, on the CPU reference, or WebGPU when available (auto).',
  }),
} as const;
