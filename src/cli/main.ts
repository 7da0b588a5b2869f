#!/usr/bin/env node
/**
 * moe-lab command line: `npm run moe -- <command> [options]`. Each command lives in its own module; errors
 * exit non-zero with one clear line.
 */
import { parseArgs } from './args';
import { COMMANDS } from './commands';

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    const list = COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join('\n');
    const out = `usage: npm run moe -- <command> [options]\n\ncommands:\n${list}\n`;
    if (name === undefined || name === 'help' || name === '--help') {
      process.stdout.write(out);
      return 0;
    }
    process.stderr.write(`moe: unknown command "${name}"\n${out}`);
    return 2;
  }
  return command.run(parseArgs(rest));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`moe: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
