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

// Exit only once stdout and stderr are flushed: writes to a pipe are asynchronous, and exiting at once cut
// `moe project --json | jq` off at the pipe's 64 KiB buffer.
const flushed = (stream: NodeJS.WriteStream) =>
  new Promise<void>((resolve) => stream.write('', () => resolve()));
const exit = async (code: number) => {
  await flushed(process.stdout);
  await flushed(process.stderr);
  process.exit(code);
};

main(process.argv.slice(2)).then(exit, (err: unknown) => {
  process.stderr.write(`moe: ${err instanceof Error ? err.message : String(err)}\n`);
  return exit(1);
});
