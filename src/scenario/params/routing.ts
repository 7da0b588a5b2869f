/** How the router picks experts. */
import { bool, choice, float, int, numChoice } from './kinds';

export const ROUTING_PARAMS = {
  // ---- routing -----------------------------------------------------------------------------------------
  scoreFn: choice({
    group: 'routing',
    label: 'Score function',
    options: ['softmax', 'sigmoid'] as const,
    default: 'softmax',
    help: 'How router logits become scores: softmax over experts, or an independent sigmoid per expert.',
  }),
  useBias: bool({
    group: 'routing',
    label: 'Selection bias',
    default: false,
    help: 'Add a per-expert bias to the scores for choosing experts only (DeepSeek-V3 load balancing).',
  }),
  groups: int({
    group: 'routing',
    label: 'Expert groups',
    min: 1,
    max: 64,
    default: 1,
    help: 'Group-limited routing: experts split into this many groups (must divide E).',
    advanced: true,
  }),
  topGroups: int({
    group: 'routing',
    label: 'Top groups',
    min: 1,
    max: 64,
    default: 1,
    help: 'Each token may only pick experts from this many best groups.',
    advanced: true,
  }),
  renormalize: bool({
    group: 'routing',
    label: 'Renormalise weights',
    default: true,
    help: 'Rescale the k chosen weights of a token to sum to 1.',
  }),
  routeScale: float({
    group: 'routing',
    label: 'Route scale',
    min: 0.01,
    max: 100,
    step: 0.01,
    default: 1,
    help: 'Multiplier on the combine weights (DeepSeek-V3 uses 2.5).',
    advanced: true,
  }),
  routingMode: choice({
    group: 'routing',
    label: 'Routing mode',
    options: ['token-choice', 'expert-choice'] as const,
    default: 'token-choice',
    help: 'Token-choice: each token picks k experts. Expert-choice: each expert picks its T·k/E best tokens.',
  }),
  capacityFactor: float({
    group: 'routing',
    label: 'Capacity factor',
    min: 0,
    max: 16,
    step: 0.05,
    default: 0,
    help: 'Expert capacity = ceil(cf·T·k/E) tokens; overflow is dropped. 0 = dropless.',
  }),
  dropPolicy: choice({
    group: 'routing',
    label: 'Drop policy',
    options: ['position', 'probability'] as const,
    default: 'position',
    help: 'Which tokens an over-full expert keeps: the earliest ones, or those with the highest score.',
  }),
  blockSize: numChoice({
    group: 'routing',
    label: 'Padding block',
    unit: 'rows',
    options: [1, 16, 64, 128],
    default: 1,
    help: "Each expert's rows are padded to a multiple of this (the GEMM tile height).",
  }),
} as const;
