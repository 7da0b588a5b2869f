/** The chips and how they are organised. */
import { int, type ListParam } from './kinds';

export const HARDWARE_PARAMS = {
  // ---- hardware ----------------------------------------------------------------------------------------
  chips: {
    kind: 'list',
    group: 'hardware',
    label: 'Chips to compare',
    of: 'chips',
    minItems: 1,
    maxItems: 8,
    default: ['h100', 'groq-lpu'],
    help: 'Real and hypothetical chips the measured load is projected onto.',
  } satisfies ListParam as ListParam,
  chipCount: int({
    group: 'hardware',
    label: 'Chips per system',
    min: 1,
    max: 4096,
    default: 8,
    log: true,
    help: 'Chips serving one model replica.',
  }),
  expertParallel: int({
    group: 'hardware',
    label: 'Expert parallel degree',
    min: 1,
    max: 4096,
    default: 8,
    log: true,
    help: 'Chips the experts are spread over (at most the chip count).',
  }),
  tensorParallel: int({
    group: 'hardware',
    label: 'Tensor parallel degree',
    min: 1,
    max: 64,
    default: 1,
    help: 'Chips each matrix is split across (attention and dense layers).',
    advanced: true,
  }),
  expertTensorParallel: int({
    group: 'hardware',
    label: 'Expert tensor parallel degree',
    min: 1,
    max: 64,
    default: 1,
    help: "Chips each routed expert's matrices are split across, with an all-reduce after the MoE block (vLLM's and SGLang's TP8 default: expert parallel 1 × expert TP 8). Expert parallel × expert TP is at most the chip count.",
    advanced: true,
  }),
} as const;
