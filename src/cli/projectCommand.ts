/**
 * `moe project`: project a scenario onto every chip in its `chips` list with the cost model, using measured
 * expert counts from a file when given (.npy [E] or [L, E], SGLang's expert-distribution CSV or .pt), and report the
 * load metrics of each layer.
 */
import { extname } from 'node:path';
import {
  type CountTable,
  countsFromNpy,
  hardwareSpec,
  type LoadProfile,
  loadFromCounts,
  loadFromTrace,
  type Projection,
  projectAll,
  projectCustomChips,
} from '../costmodel';
import { type LoadMetrics, loadMetrics, networkBeforeAfter, networkFactors, networkOf } from '../metrics';
import { allToAllBytesPerRow, type Scenario } from '../scenario';
import {
  importKindOf,
  type NpyArray,
  parseImport,
  type RoutingTrace,
  readNpy,
  routingTraceFromNpy,
} from '../workload';
import { boolFlag, checkFlags, filterFlag, scenarioArg, stringFlag, stringFlags } from './args';
import { withChipFiles } from './chipCommand';
import type { Command } from './commands';
import { readInputFile } from './files';

const USAGE =
  'usage: npm run moe -- project --scenario s.json [--counts FILE.npy|FILE.csv|FILE.pt] [--filter col=value,...]\n' +
  '  [--chip-file my-chip.json ...] [--json]\n' +
  '  --chip-file: a custom chip (npm run moe -- chip h100 > my-chip.json, then edit), projected after the\n' +
  "  scenario's chips; repeatable, at most 4 custom chips with the scenario's own\n" +
  '  --counts: .npy counts [E] or [L, E] (int32/float32), a .npy routing trace [tokens, layers, k], a CSV with\n' +
  "  SGLang's columns layer_id,expert_id,count (extra leading columns are chosen with --filter), or SGLang's\n" +
  "  expert-distribution .pt dump (logical_count, or per-pass records), MindSpeed-RL's or LMDeploy's JSON counts,\n" +
  "  or vLLM's routed experts saved as JSON [tokens][layers][k] (a trace)";

/** A counts file: a table of counts, or a .npy routing trace [tokens, layers, k] of expert ids. */
export function readCountsFile(
  file: string,
  filter: Record<string, string>,
  layers?: number,
): CountTable | NpyArray {
  const ext = extname(file).toLowerCase();
  if (ext === '.npy') {
    if (Object.keys(filter).length) throw new Error('--filter applies to CSV files only');
    const bytes = readInputFile(file, '--counts', importKindOf(file));
    // Counts keep float64 and 64-bit integers exact (2^53 − 1, the rule of CSV and JSON); a trace is never wide.
    const arr = readNpy(bytes, file, { exactCounts: true });
    if (arr.dtype !== 'float64' && arr.shape.length === 3) return arr;
    const table = countsFromNpy(arr, file, { layers });
    for (const note of table.notes ?? []) process.stderr.write(`moe: note: ${note}\n`);
    return table;
  }
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return countsFromCsv(file, filter, layers);
  if (ext === '.pt' || ext === '.json') {
    if (Object.keys(filter).length) throw new Error('--filter applies to CSV files only');
    return countsFromServingFile(file, layers);
  }
  throw new Error(`--counts ${file}: expected a .npy, .csv, .pt or .json file`);
}

/**
 * A serving system's dump through the app's reader, its notes to stderr: SGLang's .pt (logical_count summed over
 * its steps, or per-pass records folded through the physical-to-logical map), MindSpeed-RL's or LMDeploy's JSON
 * counts, or a JSON routing trace (vLLM's routed experts [tokens, layers, k], read as a trace).
 */
function countsFromServingFile(file: string, layers?: number): CountTable | NpyArray {
  // .pt is read in place under the binary limit, .json as text (importKindOf: the app picks alike).
  const t = parseImport(file, readInputFile(file, '--counts', importKindOf(file)), { layers });
  for (const note of t.notes ?? []) process.stderr.write(`moe: note: ${note}\n`);
  if (t.format === 'token-choices')
    return { dtype: 'int32', shape: [t.tokens, t.layers, t.topK], data: Int32Array.from(t.ids) };
  if (t.format !== 'count-table')
    throw new Error(`--counts ${file}: holds router logits, not counts or choices`);
  return {
    counts: t.counts.map((c) => Array.from(c)),
    layerIds: t.layerIds,
    experts: t.experts,
    selected: {},
  };
}

/**
 * A CSV count table through the same reader as the app's import dialog and `moe stream --import` (BOM, CRLF,
 * quotes, tabs or semicolons, concatenated rank dumps, pandas index columns); its notes go to stderr. The bytes go
 * to the reader undecoded: it detects UTF-16 and refuses bytes that are not valid text with their line, where a
 * decode here would turn a Latin-1 export's bytes into U+FFFD unseen.
 */
function countsFromCsv(file: string, filter: Record<string, string>, layers?: number): CountTable {
  const t = parseImport(file, readInputFile(file, '--counts', 'import'), {
    format: 'count-table',
    filter,
    layers,
  });
  if (t.format !== 'count-table') throw new Error(`--counts ${file}: not a count table`);
  for (const note of t.notes ?? []) process.stderr.write(`moe: note: ${note}\n`);
  if (t.filters.length) {
    process.stderr.write(
      `moe: note: selected ${t.filters.map((f) => `${f.name}=${f.selected}`).join(', ')} ` +
        `(${t.selectedRows} of ${t.rows} rows; choose with --filter)\n`,
    );
  }
  return {
    counts: t.counts.map((c) => Array.from(c)),
    layerIds: t.layerIds,
    experts: t.experts,
    selected: Object.fromEntries(t.filters.map((f) => [f.name, f.selected])),
  };
}

function isTable(x: CountTable | NpyArray): x is CountTable {
  return 'counts' in x;
}

interface LayerReport {
  layer: number;
  tokens: number;
  metrics: LoadMetrics;
}

/**
 * A routing trace knows where every token goes, so with expert parallelism each layer's all-to-all is charged from
 * its real traffic (metrics/network) under the scenario's placement (round-robin, load-aware or EPLB, each placed
 * from the layer's own counts): the busiest rank's linked rows per token and the share inside a scale-up domain.
 * Each batch of s.tokens tokens is one step, split over the ranks in contiguous blocks. The domain is the chips'
 * scale-up domain; when the compared chips differ in it, the up/out split is dropped (it would be one chip's).
 */
export function attachNetwork(s: Scenario, trace: RoutingTrace, load: LoadProfile): void {
  if (s.expertParallel <= 1) return;
  const domains = new Set<number>();
  for (const chip of s.chips) {
    try {
      domains.add(hardwareSpec(chip).experts.scaleUpDomain);
    } catch {
      // A chip the cost model cannot build is reported by the projection itself.
    }
  }
  const domain = domains.size === 1 ? [...domains][0] : s.expertParallel;
  const bytesPerRow = allToAllBytesPerRow(s);
  load.layers.forEach((layer, l) => {
    const net = networkBeforeAfter(
      {
        tokens: trace.tokens,
        topK: trace.topK,
        ids: trace.ids,
        stride: trace.layers * trace.topK,
        offset: l * trace.topK,
      },
      s.experts,
      s.expertParallel,
      s.redundantExperts,
      {
        dispatchBytesPerRow: bytesPerRow.dispatch,
        combineBytesPerRow: bytesPerRow.combine,
        domain: Math.min(domain, s.expertParallel),
        stepTokens: Math.min(s.tokens, trace.tokens),
      },
    );
    const factors = networkFactors(networkOf(net, s.expertPlacement));
    if (domains.size !== 1) delete factors.upShare;
    layer.network = factors;
  });
}

function loadFromFile(
  s: Scenario,
  read: CountTable | NpyArray,
  file: string,
): { load: LoadProfile; layers: LayerReport[] } {
  if (!isTable(read)) {
    const trace = routingTraceFromNpy(read, file);
    if (trace.topK !== s.topK)
      throw new Error(
        `${file} routes k = ${trace.topK} experts per token but the scenario has k = ${s.topK}`,
      );
    const load = loadFromTrace(trace, s.experts, s.tokens, {
      phase: s.phase,
      blockSize: s.blockSize,
      label: file,
    });
    attachNetwork(s, trace, load);
    const layers = load.layers.map((l, i) => ({
      layer: i,
      tokens: l.tokens,
      metrics: loadMetrics({
        counts: l.counts,
        tokens: l.tokens,
        topK: s.topK,
        blockSize: s.blockSize,
        ranks: s.expertParallel,
      }),
    }));
    return { load, layers };
  }
  const table = read;
  if (table.experts !== s.experts) {
    throw new Error(
      `${file} has ${table.experts} experts per layer but the scenario has E = ${s.experts}; ` +
        'set "experts" (or a matching "preset") in the scenario',
    );
  }
  const load = loadFromCounts({
    counts: table.counts,
    topK: s.topK,
    blockSize: s.blockSize,
    phase: s.phase,
    source: 'imported',
    label: file,
  });
  const layers = table.counts.map((counts, i) => {
    const tokens = load.layers[i].tokens;
    return {
      layer: table.layerIds[i],
      tokens,
      metrics: loadMetrics({ counts, tokens, topK: s.topK, blockSize: s.blockSize, ranks: s.expertParallel }),
    };
  });
  return { load, layers };
}

// ---- text output ---------------------------------------------------------------------------------------

function num(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return '∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  if (a >= 100) return x.toFixed(0);
  return x.toPrecision(digits);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function projectionTable(ps: Projection[]): string {
  const decode = ps[0]?.phase === 'decode';
  const head = [
    'chip',
    'status',
    'chips',
    'fits',
    'step ms',
    decode ? 'TPOT ms' : 'TTFT ms',
    'tok/s/user',
    'tok/s',
    'J/token',
    '$/M tok',
    'tax ×',
    'busiest/pad/distinct/drop %',
    'bottleneck',
  ];
  const rows = ps.map((p) => {
    const t = p.imbalanceTax;
    const pct = (x: number) => (p.balanced.stepTime > 0 ? ((100 * x) / p.balanced.stepTime).toFixed(1) : '0');
    return [
      p.chipName,
      p.status,
      `${p.system.totalChips}${p.system.grown ? '*' : ''}`,
      p.system.fits ? 'yes' : 'no',
      num(p.stepTime * 1e3),
      num((decode ? p.tpot : p.ttft) * 1e3),
      num(p.tokensPerSecPerUser),
      num(p.throughput),
      num(p.jPerToken),
      num(p.usdPerMTokens),
      t.ratio.toFixed(3),
      [t.busiestChip, t.padding, t.distinctExperts, t.droppedTokens].map(pct).join('/'),
      p.bottleneck,
    ];
  });
  return table([head, ...rows]);
}

function metricsTable(layers: LayerReport[]): string {
  const head = [
    'layer',
    'tokens',
    'max/mean',
    'MaxVio',
    'CV²',
    'entropy',
    'distinct',
    'padding rows',
    'balancedness',
  ];
  const rows = layers.map((l) => [
    String(l.layer),
    num(l.tokens),
    l.metrics.maxOverMean.toFixed(2),
    l.metrics.maxVio.toFixed(2),
    l.metrics.cv2.toFixed(3),
    l.metrics.normalizedEntropy.toFixed(3),
    String(l.metrics.distinctExperts),
    String(l.metrics.paddingRows),
    l.metrics.balancedness.toFixed(3),
  ]);
  return table([head, ...rows]);
}

export const projectCommand: Command = {
  name: 'project',
  summary: 'project a scenario (and measured counts) onto its chips: time, speed, energy, $/token',
  async run(args) {
    checkFlags(args, ['scenario', 'counts', 'filter', 'json', 'chip-file'], ['chip-file']);
    if (!stringFlag(args, 'scenario')) throw new Error(`--scenario is required\n${USAGE}`);
    const json = boolFlag(args, 'json');
    const read = scenarioArg(args);
    const { file, issues } = read;
    const scenario = withChipFiles(read.scenario, stringFlags(args, 'chip-file'));
    const countsFile = stringFlag(args, 'counts');
    const filter = filterFlag(args);
    if (!countsFile && Object.keys(filter).length) throw new Error('--filter needs --counts');
    const imported = countsFile
      ? loadFromFile(
          scenario,
          // Layer ids are the model's (dense layers included, as SGLang numbers them): each must be below L.
          readCountsFile(countsFile, filter, scenario.moeLayers + scenario.denseLayers),
          countsFile,
        )
      : undefined;
    const projections = [
      ...projectAll(scenario, imported?.load),
      ...projectCustomChips(scenario, imported?.load),
    ];
    if (json) {
      const out = {
        scenario,
        issues,
        load: imported
          ? { file: countsFile, source: 'imported', layers: imported.layers }
          : { source: 'uniform', layers: [] },
        projections,
      };
      process.stdout.write(
        `${JSON.stringify(out, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`,
      );
      return 0;
    }
    const s = scenario;
    const lines = [
      `scenario ${file}: ${s.preset} · ${s.phase} · T = ${s.tokens} · context ${s.contextLength} · ` +
        `${s.chipCount} chips (EP ${s.expertParallel}, TP ${s.tensorParallel}) · ${s.expertPlacement} placement · ` +
        `overlap ${s.overlap} · ${s.costBasis} cost`,
      imported
        ? `counts ${countsFile}: ${imported.layers.length} layer(s), ${s.experts} experts, k = ${s.topK}` +
          (imported.load.layers[0]?.steps
            ? ` (trace: ${imported.load.layers[0].steps.length} batches of ${s.tokens} tokens)`
            : '')
        : 'counts: none (uniform routing)',
      '',
      projectionTable(projections),
      '* grown to fit (see notes); tax = (time + dropped) / perfectly balanced time, causes in % of balanced time',
      '',
    ];
    for (const p of projections) {
      lines.push(`${p.chipName}: assumes ${p.assumptions.text}`, ...p.notes.map((n) => `  - ${n}`));
    }
    if (imported) lines.push('', 'load metrics per layer (src/metrics):', metricsTable(imported.layers));
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};
