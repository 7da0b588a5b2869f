/**
 * `npm run moe -- run` end to end: spawn the CLI (tsx) on a tiny scenario into a temp dir, read the .npy files
 * back, and check them against the CPU reference; then the CPU engine, and a clear one-line error.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseArgs } from '../../src/cli/args';
import { runCommand } from '../../src/cli/runCommand';
import { runReferenceLayer } from '../../src/reference';
import { scenarioFromJson } from '../../src/scenario';
import { generateLayerTensors, layerConfigFromScenario, readNpy, writeNpy } from '../../src/workload';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'moe-cli-'));
const scenarioJson = JSON.stringify({
  tokens: 48,
  dModel: 16,
  ffnSize: 16,
  experts: 6,
  topK: 2,
  trials: 1,
  seed: 3,
});
writeFileSync(join(dir, 's.json'), scenarioJson);

const cli = (args: string[]) =>
  run('npx', ['tsx', 'src/cli/main.ts', 'run', ...args], {
    cwd: process.cwd(),
    timeout: 120_000,
    env: process.env,
  });

function npy(path: string) {
  return readNpy(readFileSync(path), path);
}

describe('moe run (CLI)', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a scenario on the GPU and writes results equal to the CPU reference', async () => {
    const out = join(dir, 'gpu');
    const { stdout } = await cli(['--scenario', join(dir, 's.json'), '--out', out, '--warmup', '0']);
    expect(stdout).toMatch(/wrote topk_ids\.npy/);
    const s = scenarioFromJson(scenarioJson).scenario;
    const cfg = layerConfigFromScenario(s);
    const ref = runReferenceLayer(cfg, generateLayerTensors(s, cfg));
    const ids = npy(join(out, 'topk_ids.npy'));
    expect(ids.dtype).toBe('int32');
    expect(ids.shape).toEqual([48, 2]);
    expect(Array.from(ids.data)).toEqual(Array.from(ref.topkIds));
    const counts = npy(join(out, 'counts.npy'));
    expect(Array.from(counts.data)).toEqual(Array.from(ref.counts));
    const w = npy(join(out, 'topk_weights.npy'));
    expect(w.dtype).toBe('float32');
    w.data.forEach((v, i) => {
      expect(v).toBeCloseTo(ref.topkWeights[i], 5);
    });
    const y = npy(join(out, 'y.npy'));
    expect(y.shape).toEqual([48, 16]);
    y.data.forEach((v, i) => {
      expect(Math.abs(v - ref.y[i])).toBeLessThan(1e-4);
    });
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.engine).toBe('gpu');
    expect(typeof report.adapter.isSoftware).toBe('boolean');
    if (report.adapter.isSoftware) expect(report.adapter.note).toMatch(/software adapter/);
    expect(report.metrics.maxOverMean).toBeGreaterThanOrEqual(1);
    expect(report.timing.stages.length).toBeGreaterThan(0);
    expect(report.microbench.copyGBps).toBeGreaterThan(0);
    expect(report.plan.measurementScale).toBe(1);
  });

  it('takes supplied logits from .npy and runs the CPU engine', async () => {
    const out = join(dir, 'cpu');
    const logits = Float32Array.from({ length: 48 * 6 }, (_, i) => Math.sin(i * 1.7) * 3);
    writeFileSync(join(dir, 'l.npy'), writeNpy(logits, [48, 6]));
    await cli([
      '--scenario',
      join(dir, 's.json'),
      '--out',
      out,
      '--engine',
      'cpu',
      '--logits',
      join(dir, 'l.npy'),
    ]);
    const s = scenarioFromJson(scenarioJson).scenario;
    const cfg = layerConfigFromScenario(s);
    const ref = runReferenceLayer(cfg, { ...generateLayerTensors(s, cfg), logits });
    expect(Array.from(npy(join(out, 'counts.npy')).data)).toEqual(Array.from(ref.counts));
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).tensorsFrom.logits).toMatch(/l\.npy$/);
  });

  it('fails with one clear line and a non-zero exit on a wrongly shaped tensor', async () => {
    writeFileSync(join(dir, 'bad.npy'), writeNpy(new Float32Array(10), [10]));
    const err = await cli([
      '--scenario',
      join(dir, 's.json'),
      '--out',
      join(dir, 'bad'),
      '--x',
      join(dir, 'bad.npy'),
    ]).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    const lines = (err?.stderr ?? '').split('\n').filter((l) => l.startsWith('moe:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/bad\.npy/);
    // The failure came after the output folder was prepared: neither it nor its temp folder is left.
    expect(existsSync(join(dir, 'bad'))).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('.moe-lab-'))).toEqual([]);
  });

  /** The CLI's failure: exit code and its `moe:` lines on stderr. */
  const failure = (args: string[]) =>
    cli(args).then(
      () => ({ code: 0, lines: [] as string[] }),
      (e: { code: number; stderr: string }) => ({
        code: e.code,
        lines: e.stderr.split('\n').filter((l) => l.startsWith('moe:')),
      }),
    );

  it('exits non-zero on a scenario file that is not JSON, and writes nothing', async () => {
    writeFileSync(join(dir, 'broken.json'), '{"experts": 8,');
    const out = join(dir, 'broken-out');
    const { code, lines } = await failure(['--scenario', join(dir, 'broken.json'), '--out', out]);
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^moe: cannot use --scenario .*broken\.json: The scenario is not valid JSON/);
    expect(existsSync(out)).toBe(false);
  });

  it('exits non-zero on a router holding NaN (it used to run and report max/mean 4.00)', async () => {
    const w = Float32Array.from({ length: 16 * 6 }, (_, i) => Math.cos(i));
    w[6 * 2 + 4] = Number.NaN;
    writeFileSync(join(dir, 'nan.npy'), writeNpy(w, [16, 6]));
    const out = join(dir, 'nan-out');
    const { code, lines } = await failure([
      '--scenario',
      join(dir, 's.json'),
      '--out',
      out,
      '--router',
      join(dir, 'nan.npy'),
    ]);
    expect(code).toBe(1);
    expect(lines).toEqual([
      expect.stringMatching(
        /^moe: --router .*nan\.npy: value NaN at index \[2, 4\] \(flat 16\) is not a finite/,
      ),
    ]);
    expect(existsSync(out)).toBe(false);
  });

  it('a run into the folder of an earlier GPU run replaces it whole (no stale ec_tokens.npy)', async () => {
    const out = join(dir, 'twice');
    const quiet = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      const ec = join(dir, 'ec.json');
      writeFileSync(ec, JSON.stringify({ ...JSON.parse(scenarioJson), routingMode: 'expert-choice' }));
      expect(await runCommand.run(parseArgs(['--scenario', ec, '--out', out, '--warmup', '0']))).toBe(0);
      expect(readdirSync(out)).toContain('ec_tokens.npy');
      const tc = join(dir, 's.json');
      expect(await runCommand.run(parseArgs(['--scenario', tc, '--out', out, '--engine', 'cpu']))).toBe(0);
    } finally {
      quiet.mockRestore();
    }
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.engine).toBe('cpu');
    expect(report.layer.routingMode).toBe('token-choice');
    expect(readdirSync(out).sort()).toEqual(['.moe-lab-output', ...report.outputs].sort());
    expect(readdirSync(out)).not.toContain('ec_tokens.npy');
  });

  it('prints a large --json report whole through a pipe (over 64 KiB)', async () => {
    const file = join(dir, 'v3.json');
    writeFileSync(
      file,
      // Three chips × 61 layers of breakdown: about 120 KB of JSON.
      JSON.stringify({
        preset: 'deepseek-v3',
        phase: 'decode',
        tokens: 32,
        chips: ['h200', 'b200', 'mi300x'],
      }),
    );
    const { stdout } = await run('npx', ['tsx', 'src/cli/main.ts', 'project', '--scenario', file, '--json'], {
      cwd: process.cwd(),
      timeout: 120_000,
      env: process.env,
      maxBuffer: 64 * 2 ** 20,
    });
    expect(stdout.length).toBeGreaterThan(65_536);
    const report = JSON.parse(stdout) as { scenario: { dModel: number } };
    expect(report.scenario.dModel).toBe(7168);
  });
});
