/**
 * `moe chip <preset>`: print a chip preset as an editable chip file (every figure the cost model uses, units in
 * the key names, each figure's source under "sources"). `moe project --chip-file FILE` reads such files back
 * (readChipFiles), with the same checks as the app's editor and links.
 */
import { presetChipValues } from '../costmodel';
import {
  CHIP_BASES,
  CHIP_PRESETS,
  type CustomChip,
  chipFile,
  findChipPreset,
  MAX_CUSTOM_CHIPS,
  readChipFileText,
  readCustomChips,
  type Scenario,
} from '../scenario';
import { boolFlag, checkFlags } from './args';
import type { Command } from './commands';
import { readInputText } from './files';

const USAGE =
  'usage: npm run moe -- chip <preset> > my-chip.json   (or --list)\n' +
  '  edit the figures, then: npm run moe -- project --scenario s.json --chip-file my-chip.json';

/** The chip file of a single-chip preset; an unknown id or a two-pool system is refused with the choices. */
export function presetChipFile(id: string): Record<string, unknown> {
  const preset = findChipPreset(id.trim().toLowerCase());
  if (!preset)
    throw new Error(
      `unknown chip preset "${id.slice(0, 40)}"; known: ${CHIP_BASES.map((p) => p.id).join(', ')}`,
    );
  if (preset.system)
    throw new Error(
      `"${preset.id}" is a two-pool system; print its chips instead: ${preset.system.attentionChip}, ${preset.system.expertChip}`,
    );
  const { values, sources } = presetChipValues(preset.id);
  const name =
    preset.name.length <= 40 ? preset.name : preset.name.replace(/\s*\(hypothetical\)$/, '').slice(0, 40);
  return chipFile(name.trim(), preset.id, values, sources);
}

export const chipCommand: Command = {
  name: 'chip',
  summary: 'print a chip preset as an editable chip file (for project --chip-file)',
  async run(args) {
    checkFlags({ ...args, positional: [] }, ['list']);
    if (boolFlag(args, 'list')) {
      const rows = CHIP_PRESETS.map((p) => `${p.id.padEnd(16)} ${p.status.padEnd(12)} ${p.name}`);
      process.stdout.write(`${rows.join('\n')}\n`);
      return 0;
    }
    if (args.positional.length !== 1) throw new Error(`give one chip preset id\n${USAGE}`);
    process.stdout.write(`${JSON.stringify(presetChipFile(args.positional[0]), null, 2)}\n`);
    return 0;
  },
};

/**
 * The scenario's custom chips plus one per chip file (each a regular file of at most 64 KiB, checked as a link's
 * chips are: every fixed figure is a warning on stderr). More than MAX_CUSTOM_CHIPS in all is an error.
 */
export function withChipFiles(s: Scenario, files: readonly string[]): Scenario {
  if (files.length === 0) return s;
  const added: CustomChip[] = [];
  for (const file of files) {
    const text = readInputText(file, '--chip-file', 'chip');
    const issues: string[] = [];
    const chip = readChipFileText(text, `--chip-file ${file}`, issues);
    if (!chip) throw new Error(`--chip-file ${file} holds no chip (${issues.at(-1) ?? 'not an object'})`);
    for (const issue of issues) process.stderr.write(`moe: warning: ${issue}\n`);
    added.push(chip);
  }
  const all = [...s.customChips, ...added];
  if (all.length > MAX_CUSTOM_CHIPS)
    throw new Error(
      `${all.length} custom chips (${s.customChips.length} in the scenario, ${added.length} from --chip-file); at most ${MAX_CUSTOM_CHIPS}`,
    );
  // Names must differ across the scenario's chips and the files': the same rule as in a link.
  const { value, issues } = readCustomChips(all);
  for (const issue of issues) process.stderr.write(`moe: warning: ${issue}\n`);
  return { ...s, customChips: value };
}
