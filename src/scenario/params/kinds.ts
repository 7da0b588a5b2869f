/** The kinds of scenario parameter and their constructors; the parameters themselves are in the files beside. */
import type { CustomChip } from '../customChips';

export type Group = 'model' | 'routing' | 'workload' | 'hardware' | 'run';

export interface Base {
  group: Group;
  label: string;
  help: string;
  unit?: string;
  /** Shown only in the advanced part of a panel. */
  advanced?: boolean;
}
export interface IntParam extends Base {
  kind: 'int';
  min: number;
  max: number;
  default: number;
  /** Slider on a log scale (sizes that span decades). */
  log?: boolean;
}
export interface FloatParam extends Base {
  kind: 'float';
  min: number;
  max: number;
  step: number;
  default: number;
}
export interface BoolParam extends Base {
  kind: 'bool';
  default: boolean;
}
export interface EnumParam<T extends string = string> extends Base {
  kind: 'enum';
  options: readonly T[];
  default: T;
}
export interface NumEnumParam extends Base {
  kind: 'numEnum';
  options: readonly number[];
  default: number;
}
export interface ListParam extends Base {
  kind: 'list';
  /** Name of the preset table the items come from (validated against it). */
  of: 'chips';
  minItems: number;
  maxItems: number;
  default: readonly string[];
}
/** The scenario's own chips: their figures come from the chip field table (chipFields.ts, customChips.ts). */
export interface CustomChipsParam extends Base {
  kind: 'customChips';
  maxItems: number;
  default: readonly CustomChip[];
}
export type ParamDef =
  | IntParam
  | FloatParam
  | BoolParam
  | EnumParam
  | NumEnumParam
  | ListParam
  | CustomChipsParam;

export const int = (p: Omit<IntParam, 'kind'>): IntParam => ({ kind: 'int', ...p });
export const float = (p: Omit<FloatParam, 'kind'>): FloatParam => ({ kind: 'float', ...p });
export const bool = (p: Omit<BoolParam, 'kind'>): BoolParam => ({ kind: 'bool', ...p });
export const choice = <T extends string>(p: Omit<EnumParam<T>, 'kind'>): EnumParam<T> => ({
  kind: 'enum',
  ...p,
});
export const numChoice = (p: Omit<NumEnumParam, 'kind'>): NumEnumParam => ({ kind: 'numEnum', ...p });
