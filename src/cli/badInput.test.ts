/**
 * Bad input never passes silently (issue 13), through the commands in-process: unreadable scenario files,
 * files that are not regular files, non-finite tensors, inputs that would be ignored, unwritable or foreign output
 * folders and stale outputs. Each case checks the one-line message and that nothing was written.
 */
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zlibSync } from 'fflate';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { defaultScenario, encodeHash } from '../scenario';
import { writeNpy } from '../workload';
import { parseArgs } from './args';
import { captured } from './captureOutput';
import { OUTPUT_MARKER } from './files';
import { projectCommand } from './projectCommand';
import { runCommand } from './runCommand';
import { streamCommand } from './streamCommand';

// Pass-through spies: which engine functions a command called (the CPU plan, and how many layer runs).
const calls = vi.hoisted(() => ({ cpuPlan: 0, runReferenceLayer: 0 }));
vi.mock('../reference', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../reference')>();
  return {
    ...actual,
    cpuPlan: (...a: Parameters<typeof actual.cpuPlan>) => {
      calls.cpuPlan++;
      return actual.cpuPlan(...a);
    },
    runReferenceLayer: (...a: Parameters<typeof actual.runReferenceLayer>) => {
      calls.runReferenceLayer++;
      return actual.runReferenceLayer(...a);
    },
  };
});
beforeEach(() => {
  calls.cpuPlan = 0;
  calls.runReferenceLayer = 0;
});

const dir = mkdtempSync(join(tmpdir(), 'moe-bad-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const T = 16;
const D = 8;
const E = 4;
const tiny = { v: 2, tokens: T, dModel: D, ffnSize: 8, experts: E, topK: 2, trials: 1, seed: 5 };
const scenario = file('tiny.json', JSON.stringify(tiny));
const withBias = file('bias.json', JSON.stringify({ ...tiny, useBias: true }));
const f32 = (n: number, at?: number, value?: number) => {
  const a = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7));
  if (at !== undefined && value !== undefined) a[at] = value;
  return a;
};
const router = file('router.npy', writeNpy(f32(D * E), [D, E]));
const logits = file('logits.npy', writeNpy(f32(T * E), [T, E]));

/** Runs a command in-process with stdout and stderr captured. */
async function cli(
  command: { run(a: ReturnType<typeof parseArgs>): Promise<number> },
  argv: string[],
): Promise<{ code: number; out: string; err: string; error: Error | null; ms: number }> {
  const t0 = performance.now();
  let error: Error | null = null;
  const { value, out, err } = await captured(() =>
    command.run(parseArgs(argv)).catch((e: Error) => {
      error = e;
      return 1;
    }),
  );
  return { code: value, out, err, error, ms: performance.now() - t0 };
}

/** A fresh output path inside the test folder (not created). */
let outs = 0;
const newOut = () => join(dir, `out${++outs}`);
/** Hidden temp or set-aside folders left in the test folder. */
const leftovers = () => readdirSync(dir).filter((n) => n.includes('.moe-lab-'));

/** Expects a one-line refusal matching `why`, no output folder, and no engine run. */
async function refused(argv: string[], why: RegExp, command = runCommand) {
  const out = newOut();
  const r = await cli(command, [...argv, '--out', out]);
  expect(r.error?.message, argv.join(' ')).toMatch(why);
  expect(r.error?.message).not.toMatch(/\n/);
  expect(existsSync(out)).toBe(false);
  expect(leftovers()).toEqual([]);
  expect(calls.runReferenceLayer).toBe(0);
  return r;
}

describe('a scenario file that holds no scenario is an error, never the defaults', () => {
  const cases: [string, string, RegExp][] = [
    ['invalid JSON', '{"experts": 8,', /cannot use --scenario .*: The scenario is not valid JSON/],
    ['a bare word', 'experts: 64', /not valid JSON .*expected an object such as/],
    ['a JSON array', '[{"experts": 8}]', /holds an array, not an object of parameters/],
    ['a JSON number', '42', /holds a number, not an object/],
    ['null', 'null', /holds null, not an object/],
    ['a JSON string', '"deepseek-v3"', /holds a string, not an object/],
    [
      'nested objects, 65 deep',
      `${'{"a":'.repeat(65)}1${'}'.repeat(65)}`,
      /nested 65 levels deep; at most 64/,
    ],
    [
      'a #s= link nested 200 deep',
      `#s=${Buffer.from(zlibSync(strToU8(`${'['.repeat(200)}${']'.repeat(200)}`)))
        .toString('base64url')
        .replace(/=+$/, '')}`,
      /a link whose scenario cannot be read: The scenario in this link is nested 200 levels deep/,
    ],
    ['a damaged #s= link', '#s=AAAA', /a link whose scenario cannot be read: .*damaged/],
    [
      'a #s= link holding an array',
      `#s=${Buffer.from(zlibSync(strToU8('[1,2]'))).toString('base64url')}`,
      /holds an array/,
    ],
    [
      'a chip file given as the scenario',
      '{"name": "Fast", "basedOn": "h100", "hbmBandwidthTBs": 9}',
      /holds none of the scenario's parameters \(its keys: "name", "basedOn", "hbmBandwidthTBs"\)/,
    ],
    [
      'a count table given as the scenario',
      '{"layer_0": {"0": 5}}',
      /holds none of the scenario's parameters/,
    ],
    ['a "scenario" key holding an array', '{"scenario": [1, 2]}', /"scenario" key holds an array/],
    [
      'a link to an unknown preset',
      '#preset=no-such-model',
      /a link with nothing readable in it: Unknown model/,
    ],
    ['a URL with an empty hash', 'https://moe.example/#', /a link with nothing after "#"/],
    ['UTF-16 text', '\ufeff{"experts": 8}'.split('').join('\u0000'), /is not UTF-8 text .*UTF-16/],
  ];
  for (const [what, text, why] of cases) {
    it(what, async () => {
      const path = file('bad-scenario.json', text);
      const r = await refused(['--scenario', path, '--engine', 'cpu'], why);
      expect(r.error?.message).toMatch(/^cannot use --scenario .*bad-scenario\.json: /);
    });
  }

  it('100 000 nested arrays are over the size limit, refused before reading', async () => {
    const path = file('huge.json', '['.repeat(100_000));
    await refused(['--scenario', path], /^--scenario .*huge\.json: the file is 97\.7 KiB; at most 64\.0 KiB/);
  });

  it('60 000 nested arrays name their depth (no stack overflow)', async () => {
    const path = file('deep.json', '['.repeat(60_000));
    const r = await refused(['--scenario', path], /nested 60000 levels deep; at most 64 levels are accepted/);
    expect(r.error?.message).not.toMatch(/call stack/);
  });

  it('a good link file still runs, with its warning', async () => {
    const path = file(
      'link.txt',
      `#${encodeHash({ ...defaultScenario(), tokens: T, dModel: D, ffnSize: 8, experts: E, topK: 3, trials: 1 })}\n`,
    );
    const r = await cli(runCommand, ['--scenario', path, '--engine', 'cpu', '--out', newOut(), '--json']);
    expect(r.error).toBeNull();
    expect(r.err).toMatch(/warning: The file holds a link/);
    expect(JSON.parse(r.out).layer).toMatchObject({ experts: E, topK: 3 });
  });
});

describe('only regular files are read, each with a cap', () => {
  const fifo = join(dir, 'pipe.npy');
  execFileSync('mkfifo', [fifo]);
  const sub = join(dir, 'a-folder');
  mkdirSync(sub);

  for (const [flag, path, why] of [
    ['--scenario', '/dev/zero', /--scenario \/dev\/zero: is a character device/],
    ['--scenario', sub, /--scenario .*a-folder: is a folder/],
    ['--scenario', fifo, /--scenario .*pipe\.npy: is a named pipe/],
    ['--x', '/dev/zero', /--x \/dev\/zero: is a character device/],
    ['--router', fifo, /--router .*pipe\.npy: is a named pipe/],
    ['--x', sub, /--x .*a-folder: is a folder/],
  ] as const) {
    it(`${flag} ${path.startsWith(dir) ? path.slice(dir.length + 1) : path} is refused at once`, async () => {
      const argv = flag === '--scenario' ? [flag, path] : ['--scenario', scenario, flag, path];
      const r = await refused([...argv, '--engine', 'cpu'], why);
      expect(r.ms).toBeLessThan(1000);
    });
  }

  it('project --counts and stream --import refuse devices (also behind a link) and FIFOs', async () => {
    const zeroCsv = join(dir, 'zero.csv');
    symlinkSync('/dev/zero', zeroCsv);
    for (const [command, flag, paths] of [
      [projectCommand, '--counts', [zeroCsv, fifo]],
      [streamCommand, '--import', ['/dev/zero', fifo]],
    ] as const) {
      for (const path of paths) {
        const out = command === streamCommand ? ['--out', newOut()] : [];
        const r = await cli(command, ['--scenario', scenario, flag, path, ...out]);
        expect(r.error?.message).toMatch(/: is a (character device|named pipe)/);
        expect(r.error?.message.startsWith(`${flag} ${path}: is a`)).toBe(true);
        expect(r.ms).toBeLessThan(1000);
      }
    }
  });
});

describe('tensors given to moe run hold finite numbers', () => {
  for (const [flag, shape, at, value, index] of [
    ['router', [D, E], 5, Number.NaN, '[1, 1]'],
    ['router', [D, E], 31, Number.POSITIVE_INFINITY, '[7, 3]'],
    ['x', [T, D], 0, Number.NEGATIVE_INFINITY, '[0, 0]'],
    ['x', [T, D], 8 * 9 + 3, Number.NaN, '[9, 3]'],
    ['logits', [T, E], 17, Number.NaN, '[4, 1]'],
  ] as const) {
    it(`--${flag} with ${value} at ${index} is refused naming the file and the index`, async () => {
      const n = shape[0] * shape[1];
      const path = file(`bad-${flag}.npy`, writeNpy(f32(n, at, value), [...shape]));
      await refused(
        ['--scenario', scenario, '--engine', 'cpu', `--${flag}`, path],
        new RegExp(
          `^--${flag} .*bad-${flag}\\.npy: value ${String(value).replace('+', '')} at index \\${index.replace(']', '\\]')} \\(flat ${at}\\) is not a finite number`,
        ),
      );
    });
  }

  it('a finite router runs (the check refuses only what it should)', async () => {
    const r = await cli(runCommand, [
      '--scenario',
      scenario,
      '--engine',
      'cpu',
      '--router',
      router,
      '--out',
      newOut(),
    ]);
    expect(r.error).toBeNull();
  });
});

describe('inputs that would be ignored are refused', () => {
  const bias = file('b.npy', writeNpy(Float32Array.from([0.1, -0.1, 0, 0.2]), [E]));
  const w1 = file('w1.npy', writeNpy(f32(E * D * 8), [E, D, 8]));

  it('--bias when the scenario has no selection bias', async () => {
    await refused(
      ['--scenario', scenario, '--engine', 'cpu', '--bias', bias],
      /--bias is given but .*"useBias": false/,
    );
  });

  it('--bias with expert-choice routing', async () => {
    const ec = file('ec.json', JSON.stringify({ ...tiny, useBias: true, routingMode: 'expert-choice' }));
    await refused(
      ['--scenario', ec, '--engine', 'cpu', '--bias', bias],
      /expert-choice routing uses no selection bias/,
    );
  });

  it('--bias with bias routing on is used and named in the report', async () => {
    const out = newOut();
    const r = await cli(runCommand, [
      '--scenario',
      withBias,
      '--engine',
      'cpu',
      '--bias',
      bias,
      '--out',
      out,
    ]);
    expect(r.error).toBeNull();
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.tensorsFrom.bias).toBe(bias);
    expect(report.moeLab).toEqual({ command: 'run' });
  });

  it('--router beside --logits', async () => {
    await refused(
      ['--scenario', scenario, '--engine', 'cpu', '--router', router, '--logits', logits],
      /--router and --logits are both given/,
    );
  });

  it('part of the expert weights', async () => {
    await refused(
      ['--scenario', scenario, '--engine', 'cpu', '--w1', w1],
      /--w1 given without --w3 and --w2/,
    );
    await refused(
      ['--scenario', scenario, '--engine', 'cpu', '--w1', w1, '--w2', w1],
      /--w1 and --w2 given without --w3/,
    );
  });

  it('a switch given a value, a stray word, a flag given twice', async () => {
    await refused(
      ['--scenario', scenario, '--engine', 'cpu', '--json', 'yes'],
      /--json takes no value \(given "yes"\)/,
    );
    await refused(['--scenario', scenario, '--engine', 'cpu', 'x.npy'], /unexpected argument "x\.npy"/);
    await refused(
      ['--scenario', scenario, '--engine', 'cpu', '--trials', '0'],
      /--trials must be a positive integer/,
    );
    await refused(
      ['--scenario', scenario, '--engine', 'cpu', '--x', logits, '--x', router],
      /--x is given more than once/,
    );
  });

  it('stream: --steps with an import, --max-layers or --routing-only with a count table, --filter with a trace', async () => {
    const csv = file('counts.csv', 'layer_id,expert_id,count\n0,0,5\n0,1,3\n0,2,1\n0,3,1\n');
    const trace = file(
      'trace.npy',
      writeNpy(
        Int32Array.from({ length: 8 * 2 * 2 }, (_, i) => i % E),
        [8, 2, 2],
      ),
    );
    for (const [extra, why] of [
      [['--import', csv, '--steps', '4'], /--steps applies to generated streams/],
      [['--import', csv, '--max-layers', '1'], /--max-layers does not apply to a count table/],
      [
        ['--import', csv, '--engine', 'cpu', '--routing-only'],
        /--routing-only does not apply to a count table/,
      ],
      [['--import', trace, '--filter', 'model=x'], /--filter selects rows of a CSV count table/],
    ] as const) {
      await refused(['--scenario', scenario, ...extra], why, streamCommand);
    }
  });
});

describe("count tables are checked against the scenario's model", () => {
  it('layer ids beyond the model (dense layers included) are refused by project and stream', async () => {
    // tiny has 4 MoE layers and no dense ones by default: layer id 5 is beyond it.
    const csv = file('beyond.csv', 'layer_id,expert_id,count\n0,0,5\n0,1,3\n5,2,1\n5,3,1\n');
    const p = await cli(projectCommand, ['--scenario', scenario, '--counts', csv]);
    expect(p.error?.message).toMatch(/beyond\.csv line 4: layer id 5 is outside/);
    await refused(
      ['--scenario', scenario, '--import', csv],
      /beyond\.csv line 4: layer id 5 is outside/,
      streamCommand,
    );
    const npy = file(
      'beyond.npy',
      writeNpy(
        Int32Array.from({ length: 6 * E }, () => 1),
        [6, E],
      ),
    );
    const q = await cli(projectCommand, ['--scenario', scenario, '--counts', npy]);
    expect(q.error?.message).toMatch(/beyond\.npy: the array has 6 layers but the model has 4/);
    // With two dense layers in front the model has 6 layers, and the same files are read.
    const deeper = file('deeper.json', JSON.stringify({ ...tiny, denseLayers: 2 }));
    expect((await cli(projectCommand, ['--scenario', deeper, '--counts', csv, '--json'])).error).toBeNull();
    expect((await cli(projectCommand, ['--scenario', deeper, '--counts', npy, '--json'])).error).toBeNull();
  });
});

describe('the CPU engine of moe run', () => {
  it('plans with cpuPlan and records its scale and note', async () => {
    const out = newOut();
    const half = file('half.json', JSON.stringify({ ...tiny, measureScale: 0.5 }));
    const r = await cli(runCommand, ['--scenario', half, '--engine', 'cpu', '--out', out, '--json']);
    expect(r.error).toBeNull();
    expect(calls.cpuPlan).toBe(1);
    const report = JSON.parse(r.out);
    expect(report.plan).toMatchObject({ measurementScale: 0.5, ffnSizeRun: 4 });
    expect(report.plan.note).toMatch(/0\.5|50(\.0)?%/);
  });

  it('a layer the CPU engine cannot hold is refused by cpuPlan at once, writing nothing', async () => {
    const huge = file('huge-layer.json', JSON.stringify({ v: 2, tokens: 1_048_576, experts: 1024, topK: 8 }));
    const r = await refused(['--scenario', huge, '--engine', 'cpu'], /does not fit the CPU engine/);
    expect(calls.cpuPlan).toBe(1);
    expect(r.ms).toBeLessThan(2000);
  });

  it('a run or stream that would take minutes of arithmetic is refused (or its f shrunk) before any layer runs', async () => {
    // Router GEMM T·d·E = 2^35 multiply-adds: no expert FFN size brings one run within CPU_WORK_BUDGET.
    const gemm = file(
      'gemm.json',
      JSON.stringify({ v: 2, tokens: 16_384, dModel: 2048, experts: 1024, topK: 1 }),
    );
    for (const command of [runCommand, streamCommand]) {
      const r = await refused(
        ['--scenario', gemm, '--engine', 'cpu'],
        /multiply-adds, more than the CPU engine's/,
        command,
      );
      expect(r.ms).toBeLessThan(2000);
    }
    // Each run is small, but there are too many: 1024 steps of 1M tokens, or E = 1024 weights over the sparsity batches.
    for (const [name, body, flags] of [
      [
        'steps.json',
        { v: 2, tokens: 1_048_576, dModel: 8, ffnSize: 8, experts: 64, topK: 2, steps: 1024, moeLayers: 256 },
        ['--routing-only'],
      ],
      ['wide.json', { v: 2, tokens: 64, dModel: 128, ffnSize: 65_536, experts: 1024, topK: 8 }, []],
    ] as const) {
      const r = await refused(
        ['--scenario', file(name, JSON.stringify(body)), '--engine', 'cpu', ...flags],
        /^the CPU stream would be at least \d+ layer runs of about .* multiply-adds each .*lower --steps or --max-layers/,
        streamCommand,
      );
      expect(r.ms, name).toBeLessThan(2000);
    }
  });

  it('runs the warm-up as the GPU engine does: warmup + trials layer runs', async () => {
    const r = await cli(runCommand, [
      '--scenario',
      scenario,
      '--engine',
      'cpu',
      '--warmup',
      '3',
      '--trials',
      '2',
      '--out',
      newOut(),
      '--json',
    ]);
    expect(r.error).toBeNull();
    expect(calls.runReferenceLayer).toBe(5);
    expect(JSON.parse(r.out).timing).toMatchObject({ warmup: 3, trials: 2 });
  });
});

describe('outputs: fail fast, never mixed, never half-written', () => {
  const stream8 = file('s8.json', JSON.stringify({ ...tiny, moeLayers: 8, steps: 2, phase: 'decode' }));
  const streamArgs = ['--scenario', stream8, '--engine', 'cpu', '--routing-only', '--json'];

  it('--out under /proc or below a regular file fails before the engine runs', async () => {
    const plain = file('plain.txt', 'x');
    for (const [command, out] of [
      [runCommand, '/proc/moe-lab-x/out'],
      [runCommand, join(plain, 'out')],
      [streamCommand, '/proc/moe-lab-x/out'],
      [streamCommand, join(plain, 'sub', 'out')],
    ] as const) {
      const r = await cli(command, ['--scenario', stream8, '--engine', 'cpu', '--out', out]);
      expect(r.error?.message).toMatch(/^--out .*(cannot create|is not a folder)/);
      expect(r.ms).toBeLessThan(1000);
      expect(calls.cpuPlan + calls.runReferenceLayer).toBe(0);
    }
  });

  it('a 2-layer stream into the folder of an 8-layer one leaves only the 2-layer files', async () => {
    const out = newOut();
    const first = await cli(streamCommand, [...streamArgs, '--max-layers', '8', '--out', out]);
    expect(first.error).toBeNull();
    expect(readdirSync(out).filter((n) => n.startsWith('counts_layer'))).toHaveLength(8);
    const second = await cli(streamCommand, [...streamArgs, '--max-layers', '2', '--out', out]);
    expect(second.error).toBeNull();
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.moeLab).toEqual({ command: 'stream' });
    expect(readdirSync(out).sort()).toEqual([OUTPUT_MARKER, ...report.outputs].sort());
    expect(
      readdirSync(out)
        .filter((n) => n.startsWith('counts_layer'))
        .sort(),
    ).toEqual(['counts_layer0.npy', 'counts_layer7.npy']);
    expect(leftovers()).toEqual([]);
  });

  it('a folder holding other files is refused before computing and left untouched', async () => {
    const out = newOut();
    mkdirSync(out);
    writeFileSync(join(out, 'notes.md'), 'mine');
    for (const command of [runCommand, streamCommand]) {
      const r = await cli(command, [...streamArgs.slice(0, 4), '--out', out]);
      expect(r.error?.message).toMatch(
        /holds files that are not a moe-lab run; choose an empty or new folder/,
      );
    }
    expect(calls.cpuPlan + calls.runReferenceLayer).toBe(0);
    expect(readdirSync(out)).toEqual(['notes.md']);
  });

  it('a run that fails after the folder was prepared leaves no target and no temp folder', async () => {
    const out = join(newOut(), 'nested');
    // Right dtype, wrong shape: found only once the layer is planned, after the output folder is ready.
    const x = file('x-wrong.npy', writeNpy(f32(T * (D + 1)), [T, D + 1]));
    const r = await cli(runCommand, ['--scenario', scenario, '--engine', 'cpu', '--x', x, '--out', out]);
    expect(r.error?.message).toMatch(/x-wrong\.npy has shape \[16, 9\]/);
    expect(existsSync(join(out, '..'))).toBe(false);
    expect(leftovers()).toEqual([]);
  });
});
