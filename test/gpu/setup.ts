// GPU tests run real WebGPU in Node: the `webgpu` package (Dawn) on the SwiftShader Vulkan driver that Debian's
// chromium ships. Point VK_ICD_FILENAMES at it unless the caller already chose a driver.
import { existsSync } from 'node:fs';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD))
  process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
