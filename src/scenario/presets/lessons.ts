import type { ParamKey } from '../schema';

/**
 * Classroom lessons: each is a link (`#lesson=<id>`), a scenario, a few short steps, one question and what to
 * notice. Data only; the codec applies `scenario` like a short link, the UI shows the rest.
 */
export interface Lesson {
  id: string;
  title: string;
  /** Short-form scenario fields, exactly as they would appear in a readable link. */
  scenario: Record<string, string>;
  steps: string[];
  question: string;
  notice: string;
  /** Controls hidden in presentation mode so the class sees only what matters. */
  focus: ParamKey[];
}

export const LESSONS: readonly Lesson[] = [
  {
    id: 'top-k',
    title: 'What top-k routing does',
    scenario: {
      preset: 'custom',
      experts: '8',
      topK: '2',
      tokens: '256',
      popularitySkew: '0',
      topicConcentration: '0.3',
    },
    steps: [
      'Look at tokens per expert: 256 tokens × k = 2 slots are shared among 8 experts, 64 each on average.',
      'Set k to 1, then to 4, and watch the total work and the per-token weights change.',
      'Compare the chip table: the FFN work grows with k, the weights read do not.',
    ],
    question:
      'If k doubles, what happens to the expert FLOPs per token, and to the weight bytes a decode step reads?',
    notice:
      'Each token pays for k experts, not E: compute per token scales with k while the model keeps E experts of capacity.',
    focus: ['topK', 'experts', 'tokens'],
  },
  {
    id: 'hot-experts',
    title: 'Hot experts and skew',
    scenario: {
      preset: 'custom',
      experts: '32',
      topK: '2',
      tokens: '1024',
      popularitySkew: '1.5',
      topicConcentration: '0.8',
    },
    steps: [
      'Read max/mean in the metrics: the busiest expert gets several times the average.',
      'Lower the expert popularity skew to 0 and the topic concentration to 0: max/mean falls toward 1.',
      'Raise the router temperature: a less confident router spreads tokens more evenly.',
    ],
    question: 'Why does the busiest expert, not the average one, decide how long the layer takes?',
    notice:
      'Real routers are skewed (OLMoE layer 0 reaches max/mean ≈ 7.8 on arXiv text): skew is the normal case.',
    focus: ['popularitySkew', 'topicConcentration', 'routerTemperature'],
  },
  {
    id: 'capacity',
    title: 'Capacity factor: dropped tokens versus dropless padding',
    scenario: {
      preset: 'custom',
      experts: '16',
      topK: '2',
      tokens: '512',
      popularitySkew: '1',
      capacityFactor: '1',
      blockSize: '64',
    },
    steps: [
      'With capacity factor 1 each expert keeps at most T·k/E = 64 tokens: see the dropped overflow above the capacity line.',
      'Raise the capacity factor to 1.25, then 2: fewer drops, more padded rows.',
      'Set it to 0 (dropless): nothing is dropped, but every expert is padded up to a multiple of the block size.',
    ],
    question: 'What do you pay for dropless routing, and what do you pay for a tight capacity?',
    notice:
      "Dropping saves compute but loses tokens' expert updates; dropless keeps quality but pads, and padding is wasted FLOPs.",
    focus: ['capacityFactor', 'dropPolicy', 'blockSize'],
  },
  {
    id: 'decode-sparsity',
    title: 'Decode touches few experts, so weight traffic dominates',
    scenario: {
      preset: 'deepseek-v3',
      phase: 'decode',
      tokens: '8',
      contextLength: '4096',
      chip: 'h100,groq-lpu,sram-7nm',
    },
    steps: [
      'A decode step of 8 sequences sends 8 × 8 = 64 (token, slot) pairs to at most 64 of 256 experts.',
      "Each touched expert's weights must be read once per step, however few tokens it got.",
      'Raise the batch (tokens) to 64 and 256 and watch distinct experts touched and the time per output token.',
    ],
    question:
      'Why is a decode step limited by memory bandwidth rather than FLOP/s, and which chips does that favour?',
    notice:
      'At small batches almost every byte read is a weight byte: chips with weights in on-chip SRAM win on speed per user.',
    focus: ['tokens', 'phase', 'chips'],
  },
  {
    id: 'busiest-chip',
    title: 'Across chips, the busiest one sets the pace',
    scenario: {
      preset: 'olmoe-1b-7b',
      tokens: '512',
      chipCount: '8',
      expertParallel: '8',
      popularitySkew: '1.2',
      chip: 'h100',
    },
    steps: [
      'With expert parallelism over 8 chips, each chip holds 8 of the 64 experts.',
      'Look at the per-chip load: one chip holds the hot experts and works while the others wait.',
      'Compare the imbalance tax: the same tokens spread perfectly would finish much sooner.',
    ],
    question: "How would replicating the hottest experts onto other chips change the busiest chip's load?",
    notice:
      "The layer waits for its slowest chip; DeepSeek's EPLB replicates hot experts so that chip is less busy.",
    focus: ['expertParallel', 'chipCount', 'popularitySkew'],
  },
  {
    id: 'speed-costs',
    title: 'Why cost per token climbs when speed is required',
    scenario: { preset: 'mixtral-8x7b', phase: 'decode', tokens: '32', chip: 'h100,mi300x,groq-lpu' },
    steps: [
      'Open the cost-vs-speed frontier: each point is a batch size.',
      'Large batches share each weight read among many users: cheap tokens, slow per user.',
      'Small batches are fast per user but read the same weights for few tokens: expensive tokens.',
    ],
    question: 'Where on the frontier would you run a chat product, and where a batch summarisation job?',
    notice:
      "Tokens/s per user and $ per token pull in opposite directions; the frontier's shape differs per chip.",
    focus: ['tokens', 'chips'],
  },
  {
    id: 'design-for-dynamism',
    title: 'Designing a chip for dynamism',
    scenario: {
      preset: 'deepseek-v3',
      phase: 'decode',
      tokens: '32',
      popularitySkew: '1',
      chip: 'h100,dyn-native,sram-7nm,compute-heavy',
    },
    steps: [
      'Compare the hypothetical chips with the H100 on the same measured load.',
      'The dyn-native chip pads to 8-row tiles and dispatches in hardware: less padding, less launch overhead.',
      'The memory-centric chip keeps weights in SRAM: decode weight traffic nearly vanishes.',
    ],
    question: "Which single change to an H100 would cut this workload's imbalance tax the most?",
    notice:
      'Fine tile granularity and cheap dispatch recover what skew and padding cost; SRAM capacity buys speed per user.',
    focus: ['chips', 'tokens', 'popularitySkew'],
  },
];

export function findLesson(id: string): Lesson | undefined {
  return LESSONS.find((l) => l.id === id);
}
