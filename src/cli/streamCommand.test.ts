import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { readNpy } from '../workload';
import { parseArgs } from './args';
import { streamCommand } from './streamCommand';

const dir = mkdtempSync(join(tmpdir(), 'moe-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the command in-process with --json, returning the parsed report printed on stdout. */
async function stream(args: string[]): Promise<Record<string, unknown>> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    expect(await streamCommand.run(parseArgs([...args, '--json']))).toBe(0);
  } finally {
    spy.mockRestore();
  }
  return JSON.parse(out);
}

const npy = (file: string) => readNpy(new Uint8Array(readFileSync(file)), file);

describe('moe stream (CPU engine)', () => {
  const scenario = join(dir, 's.json');
  writeFileSync(
    scenario,
    JSON.stringify({
      v: 2,
      dModel: 16,
      ffnSize: 8,
      experts: 8,
      topK: 2,
      tokens: 32,
      moeLayers: 3,
      steps: 4,
      phase: 'decode',
    }),
  );

  it('writes counts per layer [steps, E], layers [L, E], step metrics and report.json', async () => {
    const out = join(dir, 'a');
    const report = await stream([
      '--scenario',
      scenario,
      '--out',
      out,
      '--engine',
      'cpu',
      '--routing-only',
      '--max-layers',
      '2',
    ]);
    expect(report.measuredLayers).toEqual([0, 2]);
    expect(report.phase).toBe('decode');
    const c0 = npy(join(out, 'counts_layer0.npy'));
    expect([c0.dtype, c0.shape]).toEqual(['int32', [4, 8]]);
    const layers = npy(join(out, 'layers.npy'));
    expect(layers.shape).toEqual([2, 8]);
    expect(Array.from(layers.data).reduce((a, b) => a + b, 0)).toBe(2 * 4 * 32 * 2);
    expect(npy(join(out, 'step_metrics_layer2.npy')).shape).toEqual([4, 5]);
    expect(npy(join(out, 'bias_curve.npy')).shape).toEqual([32, 2]);
    expect(npy(join(out, 'sparsity.npy')).shape[1]).toBe(3);
    const saved = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(saved.adapter).toMatchObject({ engine: 'cpu', routingOnly: true });
    expect(saved.percentiles.pooled.maxOverMean.n).toBe(8);
    expect(saved.outputs).toContain('counts_layer2.npy');
  });

  it('replays an imported count table and the recorded ESFT trace', async () => {
    const data = resolve(__dirname, '../../public/data/routing');
    // Mixtral has 32 layers: the table's layer ids (up to 15) must be within the scenario's model.
    const mixtral = join(dir, 'mixtral.json');
    writeFileSync(mixtral, JSON.stringify({ v: 2, preset: 'mixtral-8x7b', tokens: 32 }));
    const table = await stream([
      '--scenario',
      mixtral,
      '--out',
      join(dir, 'b'),
      '--engine',
      'cpu',
      '--import',
      join(data, 'olmoe_mixtral_expert_counts.csv'),
      '--filter',
      'model=Mixtral-8x7B-v0.1,dataset=github',
    ]);
    expect(table.layerIds).toEqual([0, 7, 15]);
    expect(npy(join(dir, 'b', 'layers.npy')).shape).toEqual([3, 8]);
    const esft = join(dir, 'esft.json');
    writeFileSync(
      esft,
      JSON.stringify({
        v: 2,
        preset: 'deepseek-v2-lite',
        dModel: 16,
        ffnSize: 8,
        experts: 64,
        topK: 6,
        tokens: 1024,
        moeLayers: 26,
      }),
    );
    const trace = await stream([
      '--scenario',
      esft,
      '--out',
      join(dir, 'c'),
      '--engine',
      'cpu',
      '--routing-only',
      '--max-layers',
      '2',
      '--import',
      join(data, 'esft_vanilla_lite_law_topk_ids.npy'),
    ]);
    expect([trace.source, trace.steps, trace.experts, trace.topK]).toEqual(['imported', 8, 64, 6]);
    // README: 1024-token batches over all layers have median max/mean 3.35; two layers land near it.
    const pooled = (trace.percentiles as { pooled: { maxOverMean: { p50: number } } }).pooled;
    expect(pooled.maxOverMean.p50).toBeGreaterThan(2);
    expect(pooled.maxOverMean.p50).toBeLessThan(6);
  });

  it('writes the network matrices [3, R, R] per layer (round-robin, EPLB, load-aware), inline in report.json too', async () => {
    const net = join(dir, 'net.json');
    writeFileSync(
      net,
      JSON.stringify({
        v: 2,
        dModel: 16,
        ffnSize: 8,
        experts: 32,
        topK: 4,
        tokens: 64,
        moeLayers: 2,
        steps: 3,
        chips: ['h100'],
        chipCount: 16,
        expertParallel: 16,
        expertPlacement: 'load-aware',
      }),
    );
    const out = join(dir, 'n');
    type Placed = {
      rows: number;
      expertRows: number;
      costFactors: { sendRowsPerToken: number; sendFactor: number; upShare: number };
      dispatch: {
        sendUp: number[];
        sendOut: number[];
        self: number[];
        busiestRank: { bytes: number };
        busiestLink: { src: number; dst: number; bytes: number };
        bytes: number[][];
      };
      combine: { bytes: number[][] };
    };
    const report = (await stream(['--scenario', net, '--out', out, '--engine', 'cpu', '--routing-only'])) as {
      network: {
        placement: string;
        ranks: number;
        domain: number;
        dispatchBytesPerRow: number;
        layers: {
          layerId: number;
          loadAwareFellBack: boolean;
          plain: Placed;
          eplb: Placed;
          loadAware: Placed;
          charged: Placed['costFactors'];
        }[];
      };
      files: Record<string, string>;
      outputs: string[];
    };
    // H100: 8 GPUs per NVLink domain, so 16 ranks make two domains.
    expect([report.network.ranks, report.network.domain, report.network.placement]).toEqual([
      16,
      8,
      'load-aware',
    ]);
    expect(report.files['network_dispatch_layer{L}.npy']).toMatch(
      /\[3, R, R\].*\[1\] EPLB, \[2\] load-aware/,
    );
    for (const l of report.network.layers) {
      const d = npy(join(out, `network_dispatch_layer${l.layerId}.npy`));
      const c = npy(join(out, `network_combine_layer${l.layerId}.npy`));
      expect([d.dtype, d.shape, c.shape]).toEqual(['float32', [3, 16, 16], [3, 16, 16]]);
      // The .npy's [0] round-robin, [1] EPLB, [2] load-aware are report.json's inline matrices (R = 16 ≤ 64).
      (['plain', 'eplb', 'loadAware'] as const).forEach((which, i) => {
        expect(Array.from(d.data.subarray(i * 256, (i + 1) * 256))).toEqual(l[which].dispatch.bytes.flat());
        expect(Array.from(c.data.subarray(i * 256, (i + 1) * 256))).toEqual(l[which].combine.bytes.flat());
      });
      // The projection of a load-aware scenario charges load-aware's own traffic.
      expect(l.charged).toEqual(l.loadAware.costFactors);
      if (!l.loadAwareFellBack) expect(l.loadAware.dispatch.bytes).not.toEqual(l.plain.dispatch.bytes);
      const plain = Array.from(d.data.subarray(0, 256));
      const sum = plain.reduce((a, b) => a + b, 0);
      // One row per (token, destination rank): at most k per token, at least one.
      expect(sum).toBe(l.plain.rows * report.network.dispatchBytesPerRow);
      expect(l.plain.rows).toBeGreaterThanOrEqual(3 * 64);
      expect(l.plain.rows).toBeLessThanOrEqual(l.plain.expertRows);
      expect(l.plain.expertRows).toBe(3 * 64 * 4);
      const p = l.plain.dispatch;
      const total = [...p.sendUp, ...p.sendOut, ...p.self].reduce((a, b) => a + b, 0);
      expect(total).toBe(sum);
      // Rank 0's sends inside its domain are its row's columns 1–7.
      expect(p.sendUp[0]).toBe(plain.slice(1, 8).reduce((a, b) => a + b, 0));
      expect(p.sendOut[0]).toBe(plain.slice(8, 16).reduce((a, b) => a + b, 0));
      expect(l.plain.costFactors.sendFactor).toBeGreaterThanOrEqual(1);
      expect(l.plain.costFactors.upShare).toBeCloseTo(
        p.sendUp.reduce((a, b) => a + b, 0) / (total - p.self.reduce((a, b) => a + b, 0)),
        9,
      );
      const link = l.eplb.dispatch.busiestLink;
      expect(d.data[256 + link.src * 16 + link.dst]).toBe(link.bytes);
    }
    expect(report.outputs).toContain('network_combine_layer1.npy');
    // Load-aware packing differed from round-robin somewhere, so the comparison above was not vacuous.
    expect(report.network.layers.some((l) => !l.loadAwareFellBack)).toBe(true);
  });

  it('above 64 ranks report.json names the .npy and index of each matrix instead of holding it', async () => {
    const wide = join(dir, 'wide.json');
    writeFileSync(
      wide,
      JSON.stringify({
        v: 2,
        dModel: 16,
        ffnSize: 8,
        experts: 128,
        topK: 2,
        tokens: 128,
        moeLayers: 1,
        steps: 1,
        chips: ['h100'],
        chipCount: 128,
        expertParallel: 128,
      }),
    );
    const out = join(dir, 'w');
    const report = (await stream([
      '--scenario',
      wide,
      '--out',
      out,
      '--engine',
      'cpu',
      '--routing-only',
    ])) as {
      network: { ranks: number; layers: Record<string, { dispatch: Record<string, unknown> }>[] };
    };
    expect(report.network.ranks).toBe(128);
    const [l] = report.network.layers;
    (['plain', 'eplb', 'loadAware'] as const).forEach((which, index) => {
      expect(l[which].dispatch.bytes).toBeUndefined();
      expect(l[which].dispatch.bytesIn).toEqual({ file: 'network_dispatch_layer0.npy', index });
    });
    expect(npy(join(out, 'network_dispatch_layer0.npy')).shape).toEqual([3, 128, 128]);
  });

  it("takes the model's shape from the scenario, as project does: E and k of the file must fit it", async () => {
    const serving = resolve(__dirname, '../../test/fixtures/serving');
    // vLLM's routed experts of a 320-expert model, k = 4; the largest id in the file is 304.
    const trace = join(serving, 'vllm_routed_experts_u16.npy');
    const shape = (over: Record<string, unknown>) => {
      const path = join(dir, `shape-${Object.values(over).join('-')}.json`);
      writeFileSync(
        path,
        JSON.stringify({
          v: 2,
          dModel: 16,
          ffnSize: 8,
          tokens: 3,
          moeLayers: 3,
          experts: 320,
          topK: 4,
          ...over,
        }),
      );
      return path;
    };
    const run = (s: string, file = trace) =>
      streamCommand.run(
        parseArgs([
          '--scenario',
          s,
          '--out',
          join(dir, 'shape'),
          '--engine',
          'cpu',
          '--routing-only',
          '--import',
          file,
        ]),
      );
    await expect(run(shape({ experts: 16 }))).rejects.toThrow(
      /^vllm_routed_experts_u16\.npy token 0, layer 0: expert id 32 is outside 0–15 \(the model has 16 experts\)$/,
    );
    await expect(run(shape({ topK: 2 }))).rejects.toThrow(
      /vllm_routed_experts_u16\.npy routes k = 4 experts per token but the scenario has k = 2/,
    );
    await expect(
      run(shape({ experts: 16, moeLayers: 5 }), join(serving, 'lmdeploy_eplb_statistic.json')),
    ).rejects.toThrow(
      'lmdeploy_eplb_statistic.json: the counts have 32 experts per layer but the model has 16',
    );
    // The scenario's E = 320, not the 305 the file's largest id would give.
    const report = await stream([
      '--scenario',
      shape({}),
      '--out',
      join(dir, 'shape'),
      '--engine',
      'cpu',
      '--routing-only',
      '--import',
      trace,
    ]);
    expect([report.experts, report.topK, report.steps]).toEqual([320, 4, 3]);
    expect(npy(join(dir, 'shape', 'layers.npy')).shape).toEqual([3, 320]);
  });

  it('fails with one line on bad flags', async () => {
    await expect(streamCommand.run(parseArgs(['--scenario', scenario]))).rejects.toThrow(
      /--scenario and --out are required/,
    );
    await expect(
      streamCommand.run(parseArgs(['--scenario', scenario, '--out', dir, '--engine', 'tpu'])),
    ).rejects.toThrow('--engine must be gpu or cpu, not "tpu"');
    await expect(
      streamCommand.run(parseArgs(['--scenario', scenario, '--out', dir, '--steps', '0'])),
    ).rejects.toThrow('--steps must be a positive integer, not "0"');
  });
});
