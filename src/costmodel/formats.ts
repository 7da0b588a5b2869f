/**
 * The precision a matmul with weights of each format runs at. int8 here is weight-only (gpt-fast, Marlin-style
 * kernels): the weights are widened to BF16 before the multiply. A chip without FP4 units runs 4-bit weights at
 * its BF16 rate (chips.ts), as the w4a16 kernels that serve gpt-oss on Hopper do. Bytes per element:
 * FORMAT_BYTES in src/scenario/formats.ts.
 */
import type { ActFormat, WeightFormat } from '../scenario';
import type { Precision } from './types';

export const FORMAT_PRECISION: Record<WeightFormat | ActFormat, Precision> = {
  fp32: 'fp32',
  bf16: 'bf16',
  fp8: 'fp8',
  int8: 'bf16',
  mxfp4: 'fp4',
  nvfp4: 'fp4',
};
