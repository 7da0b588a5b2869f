import { type Scenario, scenarioFromJson } from '../scenario';
import { readInputText } from './files';

/** `--key value`, `--flag` and positional arguments. */
export interface Args {
  flags: Record<string, string | true>;
  positional: string[];
  /** Flags given more than once (the last value would win): refused by checkFlags unless repeatable. */
  repeated?: string[];
  /** Every value of each flag, in order (for repeatable flags such as --chip-file). */
  all?: Record<string, (string | true)[]>;
}

export function parseArgs(argv: string[]): Args {
  // No prototype: `--__proto__ x` is a flag like any other (and refused as unknown).
  const flags: Record<string, string | true> = Object.create(null);
  const positional: string[] = [];
  const repeated: string[] = [];
  const all: Record<string, (string | true)[]> = Object.create(null);
  const set = (name: string, value: string | true) => {
    if (Object.hasOwn(flags, name) && !repeated.includes(name)) repeated.push(name);
    flags[name] = value;
    all[name] = [...(all[name] ?? []), value];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) set(a.slice(2, eq), a.slice(eq + 1));
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) set(a.slice(2), argv[++i]);
      else set(a.slice(2), true);
    } else positional.push(a);
  }
  return { flags, positional, repeated, all };
}

/** Every value of a repeatable `--name value` flag, in order (empty when absent). */
export function stringFlags(args: Args, name: string): string[] {
  const values = args.all?.[name] ?? (args.flags[name] === undefined ? [] : [args.flags[name]]);
  return values.map((v) => {
    if (v === true) throw new Error(`--${name} needs a value`);
    return v;
  });
}

export function stringFlag(args: Args, name: string): string | undefined {
  const v = args.flags[name];
  if (v === true) throw new Error(`--${name} needs a value`);
  return v;
}

/** `--name` as a switch: true when given; a value after it (`--json yes`) is refused, never silently dropped. */
export function boolFlag(args: Args, name: string): boolean {
  const v = args.flags[name];
  if (v === undefined) return false;
  if (v !== true) throw new Error(`--${name} takes no value (given "${v}")`);
  return true;
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

/**
 * Fail on flags a command does not know, on a flag given twice (unless repeatable) and on positional arguments
 * (only `chip` takes one, and checks it itself), so a typo or a stray word is never silently ignored.
 */
export function checkFlags(args: Args, known: readonly string[], repeatable: readonly string[] = []): void {
  const unknown = Object.keys(args.flags).filter((f) => !known.includes(f));
  if (unknown.length)
    throw new Error(`unknown option --${unknown[0]} (known: ${known.map((k) => `--${k}`).join(' ')})`);
  const repeated = (args.repeated ?? []).filter((f) => !repeatable.includes(f));
  if (repeated.length) throw new Error(`--${repeated[0]} is given more than once`);
  if (args.positional.length)
    throw new Error(`unexpected argument "${args.positional[0]}" (every input is given with a --flag)`);
}

/**
 * Read and validate `--scenario FILE` (a regular file of at most 64 KiB). A file that holds no scenario (invalid
 * JSON, nested too deep, not an object, a damaged link) is an error; every fixed field is a warning on stderr.
 */
export function scenarioArg(args: Args): { scenario: Scenario; file: string; issues: string[] } {
  const file = stringFlag(args, 'scenario');
  if (!file) throw new Error('--scenario FILE is required');
  const text = readInputText(file, '--scenario', 'scenario');
  const { scenario, issues, error } = scenarioFromJson(text);
  if (error) throw new Error(`cannot use --scenario ${file}: ${error.replace(/\s+/g, ' ').trim()}`);
  for (const issue of issues) process.stderr.write(`moe: warning: ${issue}\n`);
  return { scenario, file, issues };
}

/** `--engine gpu|cpu`, defaulting to the scenario's choice (auto means the GPU). */
export function engineArg(args: Args, s: Scenario): 'gpu' | 'cpu' {
  const engine = stringFlag(args, 'engine') ?? (s.engine === 'cpu' ? 'cpu' : 'gpu');
  if (engine !== 'gpu' && engine !== 'cpu') throw new Error(`--engine must be gpu or cpu, not "${engine}"`);
  return engine;
}
