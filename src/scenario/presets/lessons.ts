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
  {
    id: 'design-your-chip',
    title: 'Design your own chip',
    scenario: {
      preset: 'deepseek-v3',
      phase: 'decode',
      tokens: '16',
      targetSpeed: '50',
      measureScale: '0.002',
      chip: 'h100,dyn-native,sram-7nm',
    },
    steps: [
      "Read the H100's $/M tokens in the cost-versus-speed frontier at the target of 50 tokens/s per user: the cheapest batch that still gives every user 50 tokens/s.",
      'In "Design a chip for this load", start from the H100: the sweep tries SRAM, memory bandwidth, FLOP/s and process node and names the cheapest design that reaches 50 tokens/s per user, with its $/M tokens.',
      'Make your own in the chip editor (Hardware panel: start a chip from the H100 or from the design sweep’s winner, then "Add custom chip"), change one figure at a time (HBM bandwidth, SRAM, tile rows, price) and watch its row in the chip table until it beats the H100 on $/M tokens at 50 tokens/s per user.',
    ],
    question:
      'Which figure buys the most $/M tokens at 50 tokens/s per user for DeepSeek-V3, and which ones (more FLOP/s?) buy nothing?',
    notice:
      'Decode at a fixed speed per user is bound by reading weights: memory bandwidth and SRAM that holds experts move $/M tokens; arithmetic that waits on memory does not.',
    focus: ['targetSpeed', 'tokens', 'chips'],
  },
  {
    id: 'dimensions-fit',
    title: 'Dimensions that fit the chip',
    scenario: {
      preset: 'custom',
      dModel: '4096',
      ffnSize: '128',
      experts: '4',
      topK: '1',
      tokens: '128',
      measureScale: '1',
      popularitySkew: '0',
      engine: 'auto',
    },
    steps: [
      'Run the layer (d = 4096, f = 128: every size a whole number of the 32 × 32 tiles the GEMM kernels here use) and read the router GEMM and expert FFN rows of the stage table.',
      'Pin to compare, set the hidden size d to 4000 (125 tiles: also a whole number) and run; then d = 4100 (128.1 tiles: the last one is almost empty) and compare the times per stage.',
      'Now change f instead: 100 pads to 128 (it costs about as much as 128 for 22% less work), and d = 4098 is not a multiple of 4, so the vectorised (vec4) kernels cannot be used.',
    ],
    question:
      'Why does a dimension just past a multiple of the tile cost a whole extra tile, and why do labs pick sizes such as 4096 rather than 4100?',
    notice:
      'Kernels work in tiles (32 here, 64–256 rows on datacenter GPUs) and vectors of 4: a size that is a multiple of both wastes nothing. 4000 fits a 32 tile too; a power of two is simply a multiple of every tile size at once.',
    focus: ['dModel', 'ffnSize', 'engine'],
  },
  {
    id: 'static-vs-programmable',
    title: 'A static-shape ASIC against a programmable chip under skew',
    scenario: {
      preset: 'mixtral-8x7b',
      phase: 'prefill',
      tokens: '2048',
      chipCount: '8',
      expertParallel: '8',
      popularitySkew: '1.5',
      topicConcentration: '0.8',
      capacityFactor: '4',
      measureScale: '0.0003',
      chip: 'h100,static-asic',
    },
    steps: [
      'The ASIC is the H100 with one change: it is compiled for fixed shapes, so each expert computes ⌈4 · T·k/E⌉ rows (capacity factor 4, enough that this skew drops nothing) and reads its weights on every batch, however many tokens arrive.',
      'Under this skew, compare the expert stage in the chip comparison: the H100 waits for its busiest chip; the ASIC makes every chip as busy as that one.',
      'Set the expert popularity skew and the topic concentration to 0 (a more balanced load): the H100 speeds up, the ASIC does not. Then set the capacity factor to 1.25: both now drop tokens (see the imbalance tax) and run alike.',
    ],
    question:
      'What does a static chip pay for skew that a programmable one does not, and why does balancing the load never help it?',
    notice:
      'A static chip turns skew into either compute for every expert at the hottest expert’s size (a loose capacity) or dropped tokens (a tight one); a programmable chip running dropless gains from every bit of balance.',
    focus: ['popularitySkew', 'topicConcentration', 'capacityFactor'],
  },
];

export function findLesson(id: string): Lesson | undefined {
  return LESSONS.find((l) => l.id === id);
}
