/**
 * Exports: PNG of any chart, CSV/JSON of results, a comparison as Markdown. (The scenario as JSON is
 * scenarioToJson in src/scenario.)
 */
export {
  ChartFrame,
  type ChartFrameProps,
  ExportMenu,
  type ExportMenuProps,
  type TextDownload,
} from './ChartFrame';
export { type CsvCell, csvCell, parseCsv, toCsv } from './csv';
export { downloadBlob, safeFileName, textBlob } from './download';
export { chartToPng, type PngOptions, resolveCssVars } from './png';
export {
  type ComparisonOptions,
  projectionSourceText,
  projectionsToCsv,
  projectionsToMarkdown,
  taxCauses,
  taxCausesText,
} from './projections';
export {
  matrixToCsv,
  type RunLike,
  type RunTable,
  runSourceText,
  runToCsv,
  runToJson,
  type StageLike,
  toJson,
} from './run';
