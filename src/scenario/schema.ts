/**
 * The one source of truth for every scenario parameter. Its range, default, unit, label and help text feed the
 * editor panels, the URL codec, the CLI's JSON Schema and validation: a new parameter is one entry in one of the
 * tables in params/ (by group), assembled here in a fixed order (the panels' order).
 */

import type { CustomChip } from './customChips';
import { HARDWARE_PARAMS } from './params/hardware';
import type { EnumParam, Group, ParamDef } from './params/kinds';
import { MODEL_PARAMS } from './params/model';
import { ROUTING_PARAMS } from './params/routing';
import { RUN_PARAMS } from './params/run';
import { SYSTEM_PARAMS } from './params/system';
import { WORKLOAD_PARAMS } from './params/workload';

export type {
  BoolParam,
  CustomChipsParam,
  EnumParam,
  FloatParam,
  Group,
  IntParam,
  ListParam,
  NumEnumParam,
  ParamDef,
} from './params/kinds';
export { ACT_FORMATS, type ActFormat, WEIGHT_FORMATS, type WeightFormat } from './params/model';

export const PARAMS = {
  ...MODEL_PARAMS,
  ...ROUTING_PARAMS,
  ...WORKLOAD_PARAMS,
  ...HARDWARE_PARAMS,
  ...RUN_PARAMS,
  // Last: appended over time, and customChips must stay last so links without custom chips keep their form.
  ...SYSTEM_PARAMS,
} as const;

export type ParamKey = keyof typeof PARAMS;
type ValueOf<P> = P extends { kind: 'bool' }
  ? boolean
  : P extends { kind: 'list' }
    ? string[]
    : P extends { kind: 'customChips' }
      ? CustomChip[]
      : P extends EnumParam<infer T>
        ? T
        : number;
export type Scenario = { -readonly [K in ParamKey]: ValueOf<(typeof PARAMS)[K]> };

export const PARAM_KEYS = Object.keys(PARAMS) as ParamKey[];
export const GROUP_LABELS: Record<Group, string> = {
  model: 'Shape',
  routing: 'Routing',
  workload: 'Workload',
  hardware: 'Hardware',
  run: 'Run',
};

export function paramDef(key: ParamKey): ParamDef {
  return PARAMS[key] as ParamDef;
}

export function defaultScenario(): Scenario {
  const s: Record<string, unknown> = {};
  for (const key of PARAM_KEYS) {
    const d = paramDef(key).default;
    s[key] = Array.isArray(d) ? [...d] : d;
  }
  return s as Scenario;
}

/** The model-shape and routing fields a model preset sets. */
export const MODEL_KEYS = PARAM_KEYS.filter(
  (k) => (paramDef(k).group === 'model' || paramDef(k).group === 'routing') && k !== 'preset',
);
