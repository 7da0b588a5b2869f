import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultScenario, encodeHash } from '../scenario';
import { filterFlag, intFlag, parseArgs, scenarioArg } from './args';
import { captured } from './captureOutput';
import { projectCommand, readCountsFile } from './projectCommand';

const dir = mkdtempSync(join(tmpdir(), 'moe-cli-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string | Uint8Array) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('moe --scenario files', () => {
  it('a file holding a link (as copied from the address bar) is read as that link, with a warning', async () => {
    const s = { ...defaultScenario(), experts: 32, topK: 4 };
    const path = file('link.txt', `https://example.org/moe-lab/#${encodeHash(s)}\n`);
    const { value, err } = await captured(() => scenarioArg(parseArgs(['--scenario', path])));
    expect(value.scenario).toEqual(s);
    expect(err).toMatch(/moe: warning: The file holds a link/);
  });

  it('a BOM, unknown keys and wrong types give warnings naming the key, not a crash', async () => {
    const path = file('s.json', '\uFEFF{"v": 2, "experts": "64", "topK": "lots", "colour": 1}');
    const { value, err } = await captured(() => scenarioArg(parseArgs(['--scenario', path])));
    expect(value.scenario.experts).toBe(64);
    expect(value.scenario.topK).toBe(defaultScenario().topK);
    expect(err).toMatch(/warning: Ignored unknown parameter: colour/);
    expect(err).toMatch(/warning: Experts per token k \(topK\): "lots" is not a number/);
  });
});

describe('moe project --counts CSV goes through the shared import reader', () => {
  const want = [[5, 3, 1, 1]];
  const plain = 'layer_id,expert_id,count\n0,0,5\n0,1,3\n0,2,1\n0,3,1\n';
  for (const [what, text] of [
    ['tab-separated', plain.replace(/,/g, '\t')],
    ['with a pandas index column', ',layer_id,expert_id,count\n0,0,0,5\n1,0,1,3\n2,0,2,1\n3,0,3,1\n'],
    ['quoted, CRLF, BOM', `\uFEFF${plain.replace(/(\w+)/g, '"$1"').replace(/\n/g, '\r\n')}`],
  ] as const) {
    it(`reads ${what}`, async () => {
      const path = file('c.csv', text);
      const { value } = await captured(() => readCountsFile(path, {}));
      expect('counts' in value && value.counts).toEqual(want);
    });
  }

  it('adds up concatenated rank dumps and says so on stderr', async () => {
    const path = file('ranks.csv', plain + plain);
    const { value, err } = await captured(() => readCountsFile(path, {}));
    expect('counts' in value && value.counts).toEqual([[10, 6, 2, 2]]);
    expect(err).toMatch(/moe: note: The file holds 2 dumps/);
  });

  it('projects from such a file end to end', async () => {
    const scenario = file('p.json', JSON.stringify({ v: 2, experts: 4, topK: 2 }));
    const counts = file('p.csv', plain.replace(/,/g, ';'));
    const { value, out } = await captured(() =>
      projectCommand.run(parseArgs(['--scenario', scenario, '--counts', counts, '--json'])),
    );
    expect(value).toBe(0);
    const report = JSON.parse(out);
    expect(report.load.source).toBe('imported');
    expect(report.load.layers[0].metrics.maxOverMean).toBeCloseTo(2, 6);
  });
});

describe('flag parsing', () => {
  it('reads --filter pairs and refuses a malformed one', () => {
    expect(filterFlag(parseArgs(['--filter', 'model=Mixtral-8x7B-v0.1, dataset=arxiv']))).toEqual({
      model: 'Mixtral-8x7B-v0.1',
      dataset: 'arxiv',
    });
    expect(filterFlag(parseArgs([]))).toEqual({});
    expect(() => filterFlag(parseArgs(['--filter', 'dataset']))).toThrow(/column=value/);
  });

  it('reads integer flags against their minimum', () => {
    expect(intFlag(parseArgs(['--warmup', '0']), 'warmup', 0)).toBe(0);
    expect(intFlag(parseArgs([]), 'warmup', 0)).toBeUndefined();
    expect(() => intFlag(parseArgs(['--steps', '0']), 'steps', 1)).toThrow(
      '--steps must be a positive integer',
    );
    expect(() => intFlag(parseArgs(['--trials', '1.5']), 'trials', 0)).toThrow(/non-negative integer/);
  });
});
