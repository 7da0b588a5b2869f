import { scenarioJsonSchema } from '../scenario';
import { checkFlags } from './args';
import type { Command } from './commands';

export const schemaCommand: Command = {
  name: 'schema',
  summary: "print the scenario file's JSON Schema",
  async run(args) {
    checkFlags(args, []);
    process.stdout.write(`${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
    return 0;
  },
};
