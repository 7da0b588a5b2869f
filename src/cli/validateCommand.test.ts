import { describe, expect, it } from 'vitest';
import { parseArgs } from './args';
import { captured } from './captureOutput';
import { validateCommand } from './validateCommand';

const run = (argv: string[]) => captured(() => validateCommand.run(parseArgs(argv)).catch((e: Error) => e));

describe('moe validate', () => {
  it('prints every calibration row with its signed error, the summary and the rows it cannot express', async () => {
    const { value, out } = await run([]);
    expect(value).toBe(0);
    expect(out).toMatch(/M1-128\/2048\s+tok\/s\s+8,290/);
    expect(out).toMatch(/median \|error\| [\d.]+ % over \d+ rows/);
    expect(out).toMatch(/rows the model cannot express:\n {2}- M4, M5/);
  });

  it('--json carries the stack level, every point and the summary; --level picks the stack', async () => {
    const { value, out } = await run(['--json', '--level', 'ideal']);
    expect(value).toBe(0);
    const j = JSON.parse(out);
    expect(j.stackLevel).toBe('ideal');
    const checks = j.points.filter((p: { group: string }) => p.group === 'check').length;
    expect(j.points.length).toBe(j.summary.rows + checks);
    const bad = await run(['--level', 'fast']);
    expect(String(bad.value)).toMatch(/--level must be one of ideal, tuned, untuned/);
  });
});
