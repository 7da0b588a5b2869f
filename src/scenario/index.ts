export {
  CHIP_FIELD_GROUPS,
  CHIP_FIELD_KEYS,
  CHIP_FIELDS,
  type ChipField,
  type ChipFieldGroup,
  type ChipFieldKey,
  chipField,
  presetFigure,
} from './chipFields';
export {
  applyModelPreset,
  decodeHash,
  encodeHash,
  type HashExtras,
  scenarioFromJson,
  scenarioToJson,
} from './codec';
export {
  CHIP_BASES,
  CHIP_FILE_FORMAT,
  type ChipFigures,
  type CustomChip,
  chipFile,
  customChipId,
  customChipLabel,
  customChipToStored,
  isCustomChipId,
  MAX_CHIP_FILE_BYTES,
  MAX_CUSTOM_CHIPS,
  readChipFileText,
  readCustomChip,
  readCustomChips,
} from './customChips';
export { allToAllBytesPerRow, FORMAT_BYTES } from './formats';
export { jsonNestingDepth, MAX_NESTING_DEPTH, parseJsonSafely } from './json';
export { scenarioJsonSchema } from './jsonSchema';
export { packLinkText, unpackLinkText } from './linkText';
export { SCHEMA_VERSION } from './migrations';
export { CHIP_PRESETS, type ChipPreset, type ChipStatus, findChipPreset } from './presets/chips';
export { FIRST_SCREEN_LINK, firstScreenScenario } from './presets/firstScreen';
export { findLesson, LESSONS, type Lesson } from './presets/lessons';
export { findModelPreset, MODEL_PRESET_IDS, MODEL_PRESETS, type ModelPreset } from './presets/models';
export {
  ACT_FORMATS,
  type ActFormat,
  defaultScenario,
  GROUP_LABELS,
  type Group,
  MODEL_KEYS,
  PARAM_KEYS,
  PARAMS,
  type ParamDef,
  type ParamKey,
  paramDef,
  type Scenario,
  WEIGHT_FORMATS,
  type WeightFormat,
} from './schema';
export {
  type Checked,
  coerceParam,
  isValidScenario,
  reconcile as reconcileScenario,
  validateScenario,
} from './validate';
