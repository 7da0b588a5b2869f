/**
 * A person's own benchmark points, read from CSV: one row per measured setup (model, chip, layout, number formats,
 * input/output lengths, concurrency) with a measured TPOT or throughput. Pure TS, never throws: a bad row is
 * reported with its line number and the reason, the good rows are kept. The headers are documented in
 * docs/COST_MODEL.md ("Your own measurements") and shown in the app from USER_POINT_COLUMNS.
 */
import {
  ACT_FORMATS,
  type ActFormat,
  CHIP_PRESETS,
  MODEL_PRESETS,
  type ParamKey,
  paramDef,
  WEIGHT_FORMATS,
  type WeightFormat,
} from '../scenario';
import { checkInputSize, printable } from '../workload';
import { type BenchmarkMetric, type BenchmarkPoint, pointProblem } from './benchmarkPoints';
import { matchChip, matchModel, parseFormat } from './userPointNames';

/** Most points read from one CSV: the overlay and the residual table stay readable, and projecting stays fast. */
export const MAX_USER_POINTS = 200;

/** A point read from a CSV row; a row that gives several metrics yields one point per metric (same `row`). */
export interface UserPoint extends BenchmarkPoint {
  /** Line of the row in the text (1-based), for messages and for grouping a row's metrics. */
  row: number;
  label: string;
}

export interface RowProblem {
  /** Line in the text (1-based); 0 when the problem is the whole text. */
  row: number;
  message: string;
}

export interface UserPointsRead {
  points: UserPoint[];
  problems: RowProblem[];
  /** Header names that matched no column (shown, so a typo in a header is not silently lost). */
  ignoredColumns: string[];
}

export type UserColumnKey =
  | 'model'
  | 'chip'
  | 'chips'
  | 'replicas'
  | 'tp'
  | 'ep'
  | 'etp'
  | 'precision'
  | 'weight_format'
  | 'expert_format'
  | 'kv_format'
  | 'act_format'
  | 'input_len'
  | 'output_len'
  | 'concurrency'
  | 'max_batch'
  | 'tpot_ms'
  | 'output_tok_s'
  | 'tok_s_per_user'
  | 'label'
  | 'source';

export interface UserColumn {
  key: UserColumnKey;
  /** Other header names read as this column (after lower-casing and turning spaces and symbols into "_"). */
  aliases: readonly string[];
  required: boolean;
  help: string;
}

/** The CSV columns, in the order a written CSV uses. */
export const USER_POINT_COLUMNS: readonly UserColumn[] = [
  {
    key: 'model',
    aliases: ['model_id', 'preset'],
    required: true,
    help: 'Model preset id or name, any case (deepseek-v3, DeepSeek-R1, mixtral-8x7b).',
  },
  {
    key: 'chip',
    aliases: ['gpu', 'accelerator', 'hardware', 'device'],
    required: true,
    help: 'Chip preset id, any case (h100, H200, b200, mi300x).',
  },
  {
    key: 'chips',
    aliases: ['gpus', 'count', 'num_gpus', 'chip_count', 'n_gpus', 'world_size', 'devices'],
    required: true,
    help: 'Chips in the whole system.',
  },
  {
    key: 'replicas',
    aliases: ['instances', 'copies'],
    required: false,
    help: 'Independent copies of the model sharing the chips (default 1).',
  },
  {
    key: 'tp',
    aliases: ['tensor_parallel', 'tp_size'],
    required: true,
    help: 'Attention tensor parallel per replica.',
  },
  {
    key: 'ep',
    aliases: ['expert_parallel', 'ep_size'],
    required: true,
    help: 'Expert parallel per replica (1 = experts split by TP only).',
  },
  {
    key: 'etp',
    aliases: ['expert_tp', 'moe_tp', 'expert_tensor_parallel'],
    required: false,
    help: 'Expert tensor parallel (default TP / EP).',
  },
  {
    key: 'precision',
    aliases: ['dtype', 'quantization'],
    required: false,
    help: 'Sets weight_format and expert_format when they are blank.',
  },
  {
    key: 'weight_format',
    aliases: ['weights', 'weight_dtype'],
    required: false,
    help: `Attention and dense weights: ${WEIGHT_FORMATS.join(', ')} (default: the model's).`,
  },
  {
    key: 'expert_format',
    aliases: ['experts', 'expert_dtype', 'moe_format'],
    required: false,
    help: `Routed experts: ${WEIGHT_FORMATS.join(', ')} (default: the model's).`,
  },
  {
    key: 'kv_format',
    aliases: ['kv_dtype', 'kv_cache_dtype', 'kv'],
    required: false,
    help: `KV cache: ${ACT_FORMATS.join(', ')} (default: the model's).`,
  },
  {
    key: 'act_format',
    aliases: ['activation_format', 'act_dtype', 'activations'],
    required: false,
    help: `Activations: ${ACT_FORMATS.join(', ')} (default: the model's).`,
  },
  {
    key: 'input_len',
    aliases: ['isl', 'input_length', 'input_tokens', 'prompt_len'],
    required: true,
    help: 'Prompt tokens per request.',
  },
  {
    key: 'output_len',
    aliases: ['osl', 'output_length', 'output_tokens', 'gen_len'],
    required: true,
    help: 'Generated tokens per request.',
  },
  {
    key: 'concurrency',
    aliases: ['max_concurrency', 'batch', 'batch_size', 'users', 'num_users'],
    required: true,
    help: 'Concurrent requests in the whole system, or "max" (offline: the largest batch that fits).',
  },
  {
    key: 'max_batch',
    aliases: ['max_batch_size', 'max_num_seqs'],
    required: false,
    help: 'The engine\'s largest batch per replica for concurrency "max" (default 2048).',
  },
  {
    key: 'tpot_ms',
    aliases: ['tpot', 'itl_ms', 'itl', 'mean_tpot_ms', 'median_tpot_ms'],
    required: false,
    help: 'Measured time per output token, ms.',
  },
  {
    key: 'output_tok_s',
    aliases: ['output_throughput', 'throughput', 'output_tokens_per_s', 'tok_s', 'output_tps'],
    required: false,
    help: 'Measured output tokens/s of the whole system.',
  },
  {
    key: 'tok_s_per_user',
    aliases: ['tok_s_user', 'tokens_per_s_per_user', 'tps_per_user', 'interactivity'],
    required: false,
    help: 'Measured output tokens/s per user (1000 / TPOT).',
  },
  { key: 'label', aliases: ['name', 'id'], required: false, help: 'A short name for the table and chart.' },
  {
    key: 'source',
    aliases: ['url', 'reference', 'notes'],
    required: false,
    help: 'Where the number comes from (shown on hover).',
  },
];

/** The measured-value columns, one of which each row must fill, and the metric each gives. */
export const METRIC_COLUMNS: readonly { key: UserColumnKey; metric: BenchmarkMetric }[] = [
  { key: 'tpot_ms', metric: 'tpot-ms' },
  { key: 'output_tok_s', metric: 'output-tok-s' },
  { key: 'tok_s_per_user', metric: 'tok-s-per-user' },
];

/** Largest measured value accepted per metric: far past any real system, so only a typo or garbage is refused. */
const METRIC_MAX: Record<BenchmarkMetric, number> = {
  'tpot-ms': 1e6,
  'output-tok-s': 1e10,
  'tok-s-per-user': 1e6,
};

const MAX_LABEL_CHARS = 60;
const MAX_SOURCE_CHARS = 200;
/** Most problems listed: a pasted file of garbage gives a short list and a count, not thousands of lines. */
const MAX_PROBLEMS = 50;
const MAX_TOTAL_CHIPS = 1_048_576;

/** A numeric scenario parameter's range: a point is refused where the scenario it becomes would be clamped. */
function rangeOf(key: ParamKey): { min: number; max: number } {
  const def = paramDef(key);
  return def.kind === 'int' || def.kind === 'float' ? { min: def.min, max: def.max } : { min: 1, max: 1 };
}

/** "TPOT (ms)" → "tpot_ms", "Output tok/s" → "output_tok_s": headers compare in this form. */
export function normaliseHeader(h: string): string {
  return h
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

function columnFor(header: string): UserColumnKey | undefined {
  const h = normaliseHeader(header);
  return USER_POINT_COLUMNS.find((c) => c.key === h || c.aliases.includes(h))?.key;
}

/** Rows of a CSV text: quoted fields (with "" escapes, separators and line breaks inside) and '#' comments. */
export function splitCsv(text: string, sep: string): { line: number; fields: string[] }[] {
  const rows: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  const endRow = () => {
    fields.push(field);
    const blank = fields.every((f) => f.trim() === '');
    if (!blank && !fields[0].trimStart().startsWith('#')) rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"' && field.trim() === '') {
      field = '';
      quoted = true;
    } else if (c === sep) {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
    } else field += c;
  }
  if (field !== '' || fields.length) endRow();
  return rows;
}

/** Comma, else tab, else semicolon: whichever the header line uses (spreadsheets in many locales). */
function separatorOf(text: string): string {
  const header =
    text.split(/\r\n|\n|\r/).find((l) => l.trim() !== '' && !l.trimStart().startsWith('#')) ?? '';
  if (header.includes(',')) return ',';
  if (header.includes('\t')) return '\t';
  if (header.includes(';')) return ';';
  return ',';
}

/** A plain decimal number (no NaN, Infinity, hex or thousands separators), or undefined. */
export function parsePlainNumber(raw: string): number | undefined {
  const t = raw.trim();
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(t)) return undefined;
  const v = Number(t);
  return Number.isFinite(v) ? v : undefined;
}

/** A whole number in [min, max] from a cell, or the problem in words. */
function wholeNumber(raw: string, column: string, min: number, max: number): number | string {
  if (raw.trim() === '') return `${column} is blank`;
  const v = parsePlainNumber(raw);
  if (v === undefined) return `${column} "${printable(raw)}" is not a number`;
  if (!Number.isInteger(v)) return `${column} ${v} is not a whole number`;
  if (v < min || v > max) return `${column} ${v} is outside ${min}–${max}`;
  return v;
}

type Cells = Partial<Record<UserColumnKey, string>>;

/** Formats, layout and lengths of one row: the setup every metric of the row shares. */
function readSetup(cells: Cells): Omit<BenchmarkPoint, 'metric' | 'value'> | string {
  const cell = (k: UserColumnKey) => cells[k]?.trim() ?? '';
  const model = matchModel(cell('model'));
  if (!cell('model')) return 'model is blank';
  if (!model) {
    const known = MODEL_PRESETS.filter((m) => m.id !== 'custom').map((m) => m.id);
    return `unknown model "${printable(cell('model'))}" (known: ${known.join(', ')})`;
  }
  if (!cell('chip')) return 'chip is blank';
  const chip = matchChip(cell('chip'));
  if (!chip)
    return `unknown chip "${printable(cell('chip'))}" (known: ${CHIP_PRESETS.map((c) => c.id).join(', ')})`;
  const num = (k: UserColumnKey, min: number, max: number, fallback?: number) =>
    fallback !== undefined && cell(k) === '' ? fallback : wholeNumber(cell(k), k, min, max);
  const chips = num('chips', 1, MAX_TOTAL_CHIPS);
  const replicas = num('replicas', 1, MAX_TOTAL_CHIPS, 1);
  const tp = num('tp', 1, rangeOf('tensorParallel').max);
  const ep = num('ep', 1, rangeOf('expertParallel').max);
  const etp = num('etp', 1, rangeOf('expertTensorParallel').max, 0);
  const lengths = { min: rangeOf('inputLength').min, max: rangeOf('inputLength').max };
  const inputLength = num('input_len', lengths.min, lengths.max);
  const outputLength = num('output_len', lengths.min, lengths.max);
  const maxBatch = num('max_batch', 1, rangeOf('tokens').max, 0);
  const concurrency: number | string =
    cell('concurrency').toLowerCase() === 'max'
      ? 'max'
      : wholeNumber(cell('concurrency'), 'concurrency', 1, MAX_TOTAL_CHIPS * 1024);
  for (const v of [chips, replicas, tp, ep, etp, inputLength, outputLength, maxBatch, concurrency]) {
    if (typeof v === 'string' && v !== 'max') return v;
  }
  const precision = parseFormat(cell('precision'), WEIGHT_FORMATS, 'precision');
  const weight = parseFormat(cell('weight_format'), WEIGHT_FORMATS, 'weight_format');
  const expert = parseFormat(cell('expert_format'), WEIGHT_FORMATS, 'expert_format');
  const kv = parseFormat<ActFormat>(cell('kv_format'), ACT_FORMATS, 'kv_format');
  const act = parseFormat<ActFormat>(cell('act_format'), ACT_FORMATS, 'act_format');
  const bad = [precision, weight, expert, kv, act].find((f) => f.problem);
  if (bad) return bad.problem as string;
  const setup: Omit<BenchmarkPoint, 'metric' | 'value'> = {
    model,
    chip,
    chips: chips as number,
    tp: tp as number,
    ep: ep as number,
    inputLength: inputLength as number,
    outputLength: outputLength as number,
    concurrency: concurrency as number | 'max',
  };
  if (replicas !== 1) setup.replicas = replicas as number;
  if (etp) setup.etp = etp as number;
  if (maxBatch) setup.maxBatch = maxBatch as number;
  const weightFormat = (weight.value ?? precision.value) as WeightFormat | undefined;
  const expertFormat = (expert.value ?? precision.value) as WeightFormat | undefined;
  if (weightFormat) setup.weightFormat = weightFormat;
  if (expertFormat) setup.expertFormat = expertFormat;
  if (kv.value) setup.kvFormat = kv.value;
  if (act.value) setup.actFormat = act.value;
  return setup;
}

/** Layout rules pointProblem leaves to the reader: expert TP and the replicas' share of the concurrency. */
function layoutProblem(p: Omit<BenchmarkPoint, 'metric' | 'value'>): string | undefined {
  const replicas = p.replicas ?? 1;
  const per = p.chips / replicas;
  if (p.chips / replicas > rangeOf('chipCount').max)
    return `${per} chips per replica is more than the ${rangeOf('chipCount').max} the model handles`;
  if (p.etp !== undefined && p.ep * p.etp > per)
    return `EP ${p.ep} × ETP ${p.etp} is more than the ${per} chips per replica`;
  if (p.concurrency !== 'max' && p.concurrency < replicas)
    return `concurrency ${p.concurrency} is less than one request per replica (${replicas} replicas)`;
  if (p.concurrency !== 'max' && p.concurrency / replicas > rangeOf('tokens').max)
    return `concurrency ${p.concurrency} is more than ${rangeOf('tokens').max} requests per replica`;
  return undefined;
}

/** The points of one data row, or the problem in words. */
function readRow(cells: Cells, row: number, ordinal: number): UserPoint[] | string {
  const setup = readSetup(cells);
  if (typeof setup === 'string') return setup;
  const layout = layoutProblem(setup);
  if (layout) return layout;
  const label = printable((cells.label ?? '').trim(), MAX_LABEL_CHARS) || `point ${ordinal}`;
  const source = printable((cells.source ?? '').trim(), MAX_SOURCE_CHARS);
  const points: UserPoint[] = [];
  for (const { key, metric } of METRIC_COLUMNS) {
    const raw = (cells[key] ?? '').trim();
    if (raw === '') continue;
    const value = parsePlainNumber(raw);
    if (value === undefined) return `${key} "${printable(raw)}" is not a number`;
    if (!(value > 0) || value > METRIC_MAX[metric])
      return `${key} ${value} is outside the accepted range (above 0, at most ${METRIC_MAX[metric]})`;
    const point: UserPoint = { ...setup, metric, value, row, label };
    if (source) point.source = source;
    const why = pointProblem(point);
    if (why) return why;
    points.push(point);
  }
  if (points.length === 0) return 'no measured value: fill one of tpot_ms, output_tok_s, tok_s_per_user';
  return points;
}

/**
 * Read benchmark points from CSV text. Never throws. Empty text reads as no points and no problems (the app shows
 * its help then). At most `maxPoints` points are read; the rest are reported as left out.
 */
export function readUserPoints(text: string, maxPoints = MAX_USER_POINTS): UserPointsRead {
  const out: UserPointsRead = { points: [], problems: [], ignoredColumns: [] };
  if (typeof text !== 'string' || text.trim() === '') return out;
  try {
    checkInputSize('The CSV', text.length, 'points');
  } catch (err) {
    out.problems.push({ row: 0, message: (err as Error).message });
    return out;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const rows = splitCsv(text, separatorOf(text));
  const [header, ...data] = rows;
  if (!header) return out; // only comments
  const columns = header.fields.map(columnFor);
  header.fields.forEach((h, i) => {
    if (!columns[i] && h.trim()) out.ignoredColumns.push(printable(h.trim(), 30));
  });
  const missing = USER_POINT_COLUMNS.filter((c) => c.required && !columns.includes(c.key)).map(
    (c): string => c.key,
  );
  if (!METRIC_COLUMNS.some((m) => columns.includes(m.key)))
    missing.push('tpot_ms | output_tok_s | tok_s_per_user');
  if (missing.length) {
    const message =
      `line ${header.line} is not a header with the needed columns: missing ${missing.join(', ')} ` +
      '(see "Columns" for the names)';
    out.problems.push({ row: header.line, message });
    return out;
  }
  let rowsRead = 0;
  for (const { line, fields } of data) {
    if (out.points.length >= maxPoints) {
      const left = data.length - rowsRead;
      out.problems.push({
        row: line,
        message: `at most ${maxPoints} points are read; ${left} more row(s) left out`,
      });
      break;
    }
    rowsRead++;
    const cells: Cells = {};
    // The first column of a name wins: a CSV with both "tp" and "tensor_parallel" reads "tp".
    columns.forEach((key, i) => {
      if (key && cells[key] === undefined) cells[key] = fields[i] ?? '';
    });
    if (fields.length > header.fields.length && fields.slice(header.fields.length).some((f) => f.trim())) {
      addProblem(out, line, `${fields.length} fields, but the header has ${header.fields.length}`);
      continue;
    }
    const read = readRow(cells, line, out.points.length + 1);
    if (typeof read === 'string') addProblem(out, line, read);
    else out.points.push(...read.slice(0, maxPoints - out.points.length));
  }
  return out;
}

function addProblem(out: UserPointsRead, row: number, message: string): void {
  if (out.problems.length < MAX_PROBLEMS) out.problems.push({ row, message });
  else if (out.problems.length === MAX_PROBLEMS)
    out.problems.push({ row, message: 'more rows have problems; only the first ones are listed' });
}

function csvField(v: string | number | undefined): string {
  if (v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

const CELL_OF: Partial<Record<UserColumnKey, (p: UserPoint) => string | number | undefined>> = {
  model: (p) => p.model,
  chip: (p) => p.chip,
  chips: (p) => p.chips,
  replicas: (p) => p.replicas,
  tp: (p) => p.tp,
  ep: (p) => p.ep,
  etp: (p) => p.etp,
  weight_format: (p) => p.weightFormat,
  expert_format: (p) => p.expertFormat,
  kv_format: (p) => p.kvFormat,
  act_format: (p) => p.actFormat,
  input_len: (p) => p.inputLength,
  output_len: (p) => p.outputLength,
  concurrency: (p) => p.concurrency,
  max_batch: (p) => p.maxBatch,
  tpot_ms: (p) => (p.metric === 'tpot-ms' ? p.value : undefined),
  output_tok_s: (p) => (p.metric === 'output-tok-s' ? p.value : undefined),
  tok_s_per_user: (p) => (p.metric === 'tok-s-per-user' ? p.value : undefined),
  label: (p) => p.label,
  source: (p) => p.source,
};

/**
 * Points as CSV that readUserPoints reads back to the same points: one line per point (a row that gave two metrics
 * becomes two lines), and only the columns some point fills.
 */
export function userPointsToCsv(points: readonly UserPoint[]): string {
  const used = USER_POINT_COLUMNS.filter((c) => {
    const get = CELL_OF[c.key];
    return get && (c.required || points.some((p) => get(p) !== undefined));
  }).map((c) => c.key);
  const lines = [used.join(',')];
  for (const p of points) lines.push(used.map((k) => csvField(CELL_OF[k]?.(p))).join(','));
  return `${lines.join('\n')}\n`;
}

/** An example a person can load to see the format. Illustrative numbers, not measurements: the source column says so. */
export const EXAMPLE_POINTS_CSV = [
  'label,model,chip,chips,tp,ep,input_len,output_len,concurrency,tpot_ms,source',
  'DSR1 H200 c64,deepseek-v3,h200,8,8,8,1024,1024,64,45,illustrative',
  'Mixtral H100 c32,mixtral-8x7b,h100,2,2,1,1024,256,32,14,illustrative',
  'gpt-oss B200 c16,gpt-oss-120b,b200,1,1,1,1024,1024,16,5.5,illustrative',
].join('\n');
