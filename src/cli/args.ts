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

/** Fail on flags a command does not know, so a typo is never silently ignored. */
export function checkFlags(args: Args, known: readonly string[]): void {
  const unknown = Object.keys(args.flags).filter((f) => !known.includes(f));
  if (unknown.length)
    throw new Error(`unknown option --${unknown[0]} (known: ${known.map((k) => `--${k}`).join(' ')})`);
}
