import type { Args } from './args';
import { chipCommand } from './chipCommand';
import { projectCommand } from './projectCommand';
import { runCommand } from './runCommand';
import { schemaCommand } from './schemaCommand';
import { streamCommand } from './streamCommand';
import { validateCommand } from './validateCommand';

export interface Command {
  name: string;
  summary: string;
  run(args: Args): Promise<number>;
}

/** Every CLI command; each is one module in this folder. */
export const COMMANDS: Command[] = [
  schemaCommand,
  runCommand,
  projectCommand,
  streamCommand,
  validateCommand,
  chipCommand,
];
