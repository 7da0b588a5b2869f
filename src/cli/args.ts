import { readFileSync } from 'node:fs';
import { type Scenario, scenarioFromJson } from '../scenario';

/** `--key value`, `--flag` and positional arguments. */
export interface Args {
  flags: Record<string, string | true>;
  positional: string[];
}

export function parseArgs(argv: string[]): Args {
  const flags: Record<string, string | true> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[a.slice(2)] = argv[++i];
      else flags[a.slice(2)] = true;
    } else positional.push(a);
  }
  return { flags, positional };
}

export function stringFlag(args: Args, name: string): string | undefined {
  const v = args.flags[name];
  if (v === true) throw new Error(`--${name} needs a value`);
  return v;
}

/** `--name N`: a positive (min 1) or non-negative (min 0) integer, or undefined when the flag is absent. */
export function intFlag(args: Args, name: string, min: 0 | 1): number | undefined {
  const v = stringFlag(args, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name} must be a ${min ? 'positive' : 'non-negative'} integer, not "${v}"`);
  return n;
}

/** `--filter col=value,...`: the columns to select in an imported table (empty when the flag is absent). */
export function filterFlag(args: Args): Record<string, string> {
  const out: Record<string, string> = {};
  const text = stringFlag(args, 'filter');
  if (!text) return out;
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`--filter takes column=value pairs separated by commas, not "${part}"`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Fail on flags a command does not know, so a typo is never silently ignored. */
export function checkFlags(args: Args, known: readonly string[]): void {
  const unknown = Object.keys(args.flags).filter((f) => !known.includes(f));
  if (unknown.length)
    throw new Error(`unknown option --${unknown[0]} (known: ${known.map((k) => `--${k}`).join(' ')})`);
}

/** Read and validate `--scenario FILE`; every fixed field is reported as a warning on stderr. */
export function scenarioArg(args: Args): { scenario: Scenario; file: string; issues: string[] } {
  const file = stringFlag(args, 'scenario');
  if (!file) throw new Error('--scenario FILE is required');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`cannot read --scenario ${file}: ${(err as Error).message}`);
  }
  const { scenario, issues } = scenarioFromJson(text);
  for (const issue of issues) process.stderr.write(`moe: warning: ${issue}\n`);
  return { scenario, file, issues };
}

/** `--engine gpu|cpu`, defaulting to the scenario's choice (auto means the GPU). */
export function engineArg(args: Args, s: Scenario): 'gpu' | 'cpu' {
  const engine = stringFlag(args, 'engine') ?? (s.engine === 'cpu' ? 'cpu' : 'gpu');
  if (engine !== 'gpu' && engine !== 'cpu') throw new Error(`--engine must be gpu or cpu, not "${engine}"`);
  return engine;
}
