import { customChipJsonSchema } from './customChips';
import { SCHEMA_VERSION } from './migrations';
import { CHIP_PRESETS } from './presets/chips';
import { PARAM_KEYS, paramDef } from './schema';

/** The scenario file format as a JSON Schema (draft 2020-12), generated from the parameter table. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    v: {
      type: 'integer',
      minimum: 1,
      maximum: SCHEMA_VERSION,
      description: `Schema version of this file (older versions are migrated; ${SCHEMA_VERSION} is the current one).`,
    },
  };
  for (const key of PARAM_KEYS) {
    const def = paramDef(key);
    const common = {
      title: def.label,
      description: def.unit ? `${def.help} Unit: ${def.unit}.` : def.help,
      default: def.default,
    };
    switch (def.kind) {
      case 'int':
        properties[key] = { ...common, type: 'integer', minimum: def.min, maximum: def.max };
        break;
      case 'float':
        properties[key] = { ...common, type: 'number', minimum: def.min, maximum: def.max };
        break;
      case 'bool':
        properties[key] = { ...common, type: 'boolean' };
        break;
      case 'enum':
        properties[key] = { ...common, type: 'string', enum: def.options };
        break;
      case 'numEnum':
        properties[key] = { ...common, type: 'number', enum: def.options };
        break;
      case 'list':
        properties[key] = {
          ...common,
          type: 'array',
          minItems: def.minItems,
          maxItems: def.maxItems,
          uniqueItems: true,
          items: { type: 'string', enum: CHIP_PRESETS.map((c) => c.id) },
        };
        break;
      case 'customChips':
        properties[key] = { ...common, type: 'array', maxItems: def.maxItems, items: customChipJsonSchema() };
        break;
    }
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://moe-lab.local/scenario.schema.json',
    title: 'moe-lab scenario',
    type: 'object',
    properties,
    additionalProperties: false,
  };
}
