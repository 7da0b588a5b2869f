/**
 * Recorded expert loads from real models on real text, shipped in public/data/routing/ (provenance, license and
 * attribution in its README.md). Data only: the app fetches `file` relative to its base URL and parses it with
 * ./imports/ (`parseImport(file, bytes, { filter, experts })`); the cost model then takes the counts.
 * Every figure below is checked against the files by tracePresets.test.ts.
 */

import type { ImportFormat } from './imports';

export interface TracePreset {
  id: string;
  name: string;
  /** Model as recorded. */
  model: string;
  /** The model preset (src/scenario/presets/models.ts) with this model's shape. */
  modelPresetId: string;
  /** Text the model read. */
  dataset: string;
  description: string;
  /** Path under public/. */
  file: string;
  format: Extract<ImportFormat, 'count-table' | 'token-choices'>;
  /** Count tables with extra columns: the value of each this preset selects. */
  filter?: Record<string, string>;
  experts: number;
  topK: number;
  /** The model's layer index of each layer in the file (pass as ImportOptions.layerIds for a .npy). */
  layerIds: number[];
  /** Tokens behind each layer's counts (each layer's counts sum to tokens × k). */
  tokens: number;
  /** Teacher-forced forward passes over whole texts: prefill-like, not decode steps. */
  phase: 'prefill';
  /** Upstream repository, commit and license. */
  source: string;
  commit: string;
  license: string;
  attribution: string;
}

const OLMOE_SOURCE = 'https://github.com/allenai/OLMoE';
const OLMOE_COMMIT = '357454f4f647385839c0ff6b99a688dc7cd9c13f';
const OLMOE_ATTRIBUTION =
  'Counts from allenai/OLMoE scripts/routing_output (Apache-2.0); Muennighoff et al., "OLMoE: Open Mixture-of-Experts ' +
  'Language Models", arXiv 2409.02060.';
const ESFT_SOURCE = 'https://github.com/deepseek-ai/ESFT';
const ESFT_COMMIT = '579a7711e4b332b4c57b47e378a0cf240d85caa6';
const ESFT_LICENSE = 'code MIT (LICENSE-CODE); no separate data license stated: cite the paper';
const ESFT_ATTRIBUTION =
  'Recounted from deepseek-ai/ESFT results/expert_scores; Wang et al., "Let the Expert Stick to His Last: ' +
  'Expert-Specialized Fine-Tuning for Sparse Architectural Large Language Models", EMNLP 2024, arXiv 2407.01906.';

const OLMOE_FILE = 'data/routing/olmoe_mixtral_expert_counts.csv';
const ESFT_FILE = 'data/routing/esft_vanilla_lite_expert_counts.csv';

const DATASETS: Record<string, string> = {
  arxiv: 'arXiv papers',
  book: 'books',
  c4: 'C4 web text',
  github: 'GitHub code',
  wikipedia: 'Wikipedia',
  tulu: 'Tulu v3.1 SFT mix (chat)',
};

/** (model in the file, short name, model preset, k, E, datasets, tokens per layer). */
const OLMOE_RUNS: [string, string, string, number, number, string[], number][] = [
  [
    'OLMoE-1B-7B-0924',
    'OLMoE-1B-7B',
    'olmoe-1b-7b',
    8,
    64,
    ['arxiv', 'book', 'c4', 'github', 'wikipedia'],
    208_896,
  ],
  ['OLMoE-1B-7B-0924', 'OLMoE-1B-7B', 'olmoe-1b-7b', 8, 64, ['tulu'], 205_243],
  ['OLMoE-1B-7B-0924-SFT', 'OLMoE-1B-7B-SFT', 'olmoe-1b-7b', 8, 64, ['tulu'], 205_243],
  ['OLMoE-1B-7B-0924-Instruct', 'OLMoE-1B-7B-Instruct', 'olmoe-1b-7b', 8, 64, ['tulu'], 205_243],
  [
    'Mixtral-8x7B-v0.1',
    'Mixtral-8x7B',
    'mixtral-8x7b',
    2,
    8,
    ['arxiv', 'book', 'c4', 'github', 'wikipedia'],
    208_896,
  ],
];

const olmoePresets: TracePreset[] = OLMOE_RUNS.flatMap(
  ([model, short, presetId, topK, experts, datasets, tokens]) =>
    datasets.map((dataset) => ({
      id: `${short.toLowerCase()}-${dataset}`,
      name: `${short} on ${DATASETS[dataset]}`,
      model,
      modelPresetId: presetId,
      dataset,
      description:
        `Tokens per expert in layers 0, 7 and 15 of ${model} over ~${Math.round(tokens / 1000)}k tokens of ` +
        `${DATASETS[dataset]} (top-${topK} of the router logits), from the OLMoE paper's routing analysis.`,
      file: OLMOE_FILE,
      format: 'count-table' as const,
      filter: { model, dataset },
      experts,
      topK,
      layerIds: [0, 7, 15],
      tokens,
      phase: 'prefill' as const,
      source: OLMOE_SOURCE,
      commit: OLMOE_COMMIT,
      license: 'Apache-2.0',
      attribution: OLMOE_ATTRIBUTION,
    })),
);

const ESFT_LAYERS = Array.from({ length: 26 }, (_, i) => i + 1);

const ESFT_DATASETS: [string, string, number][] = [
  ['intent', 'Chinese smart-home intents to JSON', 8222],
  ['law', 'Chinese judgment prediction', 8327],
  ['translation', 'Cherokee to English translation', 8251],
];

const esftBase = {
  model: 'deepseek-ai/ESFT-vanilla-lite',
  modelPresetId: 'deepseek-v2-lite',
  experts: 64,
  topK: 6,
  layerIds: ESFT_LAYERS,
  phase: 'prefill' as const,
  source: ESFT_SOURCE,
  commit: ESFT_COMMIT,
  license: ESFT_LICENSE,
  attribution: ESFT_ATTRIBUTION,
};

const esftPresets: TracePreset[] = [
  ...ESFT_DATASETS.map(([dataset, what, tokens]) => ({
    ...esftBase,
    id: `esft-lite-${dataset}`,
    name: `DeepSeek-V2-Lite (ESFT vanilla) on ${what}`,
    dataset,
    description:
      `Tokens per expert in all 26 MoE layers (64 experts, top-6) over ${tokens} tokens of ${what}; shared ` +
      'experts not included.',
    file: ESFT_FILE,
    format: 'count-table' as const,
    filter: { dataset },
    tokens,
  })),
  {
    ...esftBase,
    id: 'esft-lite-translation-sglang',
    name: 'DeepSeek-V2-Lite translation (SGLang dump format)',
    dataset: 'translation',
    description:
      "The translation counts in the exact columns of SGLang's expert-distribution dump (layer_id,expert_id,count).",
    file: 'data/routing/esft_vanilla_lite_translation_sglang.csv',
    format: 'count-table',
    tokens: 8251,
  },
  {
    ...esftBase,
    id: 'esft-lite-law-trace',
    name: 'DeepSeek-V2-Lite law: per-token expert choices',
    dataset: 'law',
    description:
      'The top-6 experts of each of 8327 tokens (33 sequences, in order) in all 26 MoE layers: replayed through ' +
      'dispatch, expert FFN and combine, and cut into batches to see per-batch imbalance.',
    file: 'data/routing/esft_vanilla_lite_law_topk_ids.npy',
    format: 'token-choices',
    tokens: 8327,
  },
];

export const TRACE_PRESETS: readonly TracePreset[] = [...olmoePresets, ...esftPresets];

export function findTracePreset(id: string): TracePreset | undefined {
  return TRACE_PRESETS.find((p) => p.id === id);
}

/** The URL to fetch a preset's file from, given the app's base URL (Vite's import.meta.env.BASE_URL). */
export function tracePresetUrl(p: TracePreset, base = './'): string {
  return `${base.endsWith('/') ? base : `${base}/`}${p.file}`;
}
