import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyModelPreset, CHIP_FIELD_KEYS, defaultScenario, scenarioToJson } from '../scenario';
import { parseArgs } from './args';
import { captured } from './captureOutput';
import { chipCommand } from './chipCommand';
import { projectCommand } from './projectCommand';

const dir = mkdtempSync(join(tmpdir(), 'moe-cli-chips-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};
const chip = (argv: string[]) => captured(() => chipCommand.run(parseArgs(argv)).catch((e: Error) => e));
const project = (argv: string[]) =>
  captured(() => projectCommand.run(parseArgs(argv)).catch((e: Error) => e));

const scenarioFile = file(
  's.json',
  scenarioToJson({
    ...applyModelPreset(defaultScenario(), 'mixtral-8x7b'),
    phase: 'decode',
    tokens: 8,
    chips: ['h100'],
  }),
);

interface Row {
  chipId: string;
  chipName: string;
  status: string;
  tokensPerSecPerUser: number;
}

describe('moe chip and project --chip-file', () => {
  it('prints a preset as a chip file: every figure, units in the key names, sources', async () => {
    const { value, out } = await chip(['h100']);
    expect(value).toBe(0);
    const f = JSON.parse(out);
    expect(f).toMatchObject({
      chipFormat: 1,
      name: 'NVIDIA H100 SXM',
      basedOn: 'h100',
      hbmBandwidthTBs: 3.35,
    });
    for (const key of CHIP_FIELD_KEYS) expect(f[key], key).toBeDefined();
    expect(f.sources.hbmBandwidthTBs).toMatch(/^datasheet: NVIDIA H100 datasheet/);
    expect(f.sources.sramBandwidthTBs).toMatch(/^derived: /);
    expect(f.staticShapes).toBe(false);
  });

  it('refuses an unknown preset, a two-pool system and a missing id, with the choices', async () => {
    expect(String((await chip(['h1000'])).value)).toMatch(/unknown chip preset "h1000"; known: .*h100/);
    expect(String((await chip(['pair-h100-sram'])).value)).toMatch(/two-pool system/);
    expect(String((await chip([])).value)).toMatch(/give one chip preset id/);
    expect((await chip(['--list'])).out).toMatch(/^h100\s+datasheet\s+NVIDIA H100 SXM$/m);
  });

  it('projects onto edited chip files (repeatable), after the scenario chips, marked hypothetical', async () => {
    const h100 = JSON.parse((await chip(['h100'])).out);
    const fast = file('fast.json', { ...h100, name: 'Fast H100', hbmBandwidthTBs: 6.7 });
    const same = file('same.json', { ...h100, name: 'Same H100' });
    const { value, out } = await project([
      '--scenario',
      scenarioFile,
      '--chip-file',
      fast,
      '--chip-file',
      same,
      '--json',
    ]);
    expect(value).toBe(0);
    const rows: Row[] = JSON.parse(out).projections;
    expect(rows.map((r) => [r.chipId, r.chipName, r.status])).toEqual([
      ['h100', 'NVIDIA H100 SXM', 'datasheet'],
      ['custom-1', 'Fast H100 (custom)', 'hypothetical'],
      ['custom-2', 'Same H100 (custom)', 'hypothetical'],
    ]);
    expect(rows[1].tokensPerSecPerUser).toBeGreaterThan(rows[0].tokensPerSecPerUser * 1.2);
    expect(rows[2].tokensPerSecPerUser).toBe(rows[0].tokensPerSecPerUser);
    const text = await project(['--scenario', scenarioFile, '--chip-file', fast]);
    expect(text.out).toMatch(/Fast H100 \(custom\)\s+hypothetical/);
  });

  it('warns about each fixed figure by name and refuses files that hold no chip, or too many chips', async () => {
    const bad = file('bad.json', { name: 'Bad', hbmBandwidthTBs: -1, fp8Tflops: 1, sramCapacityMB: 1e7 });
    const { value, err } = await project(['--scenario', scenarioFile, '--chip-file', bad, '--json']);
    expect(value).toBe(0);
    expect(err).toMatch(/warning: --chip-file .*bad\.json "Bad", HBM bandwidth \(hbmBandwidthTBs\)/);
    expect(err).toMatch(/FP8 compute \(fp8Tflops\): 1 TFLOP\/s is slower than BF16/);
    expect(err).toMatch(/SRAM capacity \(sramCapacityMB\): 10000000 MB is outside/);
    const notJson = file('not.json', 'hbm = fast');
    expect(String((await project(['--scenario', scenarioFile, '--chip-file', notJson])).value)).toMatch(
      /is not a chip file/,
    );
    const huge = file('huge.json', { name: 'Huge', sources: 'x'.repeat(70_000) });
    expect(String((await project(['--scenario', scenarioFile, '--chip-file', huge])).value)).toMatch(
      /huge\.json: the file is 68\.4 KiB; at most 64\.0 KiB is read as a chip file/,
    );
    const list = file('list.json', [1, 2]);
    expect(String((await project(['--scenario', scenarioFile, '--chip-file', list])).value)).toMatch(
      /holds no chip/,
    );
    // A scenario, a count table or a report given as a chip file holds none of a chip file's keys.
    for (const [name, content] of [
      ['scenario.json', { tokens: 32, experts: 8 }],
      ['counts.json', { layer_0: { 0: 5, 1: 7 } }],
      ['report.json', { moeLab: { command: 'run' }, metrics: {} }],
    ] as const) {
      const { value } = await project(['--scenario', scenarioFile, '--chip-file', file(name, content)]);
      expect(String(value), name).toMatch(
        new RegExp(
          `--chip-file .*${name.replace('.', '\\.')} holds no chip \\(.* holds none of a chip file's keys \\(".*"\\)`,
        ),
      );
    }
    const five = Array.from({ length: 5 }, (_, i) => [
      '--chip-file',
      file(`c${i}.json`, { name: `c${i}` }),
    ]).flat();
    expect(String((await project(['--scenario', scenarioFile, ...five])).value)).toMatch(
      /5 custom chips .* at most 4/,
    );
    expect(String((await project(['--scenario', scenarioFile, '--json', '--json'])).value)).toMatch(
      /--json is given more than once/,
    );
  });
});
