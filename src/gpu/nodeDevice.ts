/**
 * A WebGPU device in Node (CLI, benchmarks) through the `webgpu` npm package (Dawn). Not bundled for the browser.
 * Uses the SwiftShader Vulkan driver that Debian's chromium ships when VK_ICD_FILENAMES is unset and it exists
 * (same rule as test/gpu/setup.ts). The Dawn instance is kept alive for the life of the process: if it is garbage
 * collected while a device is in use, Dawn's threads abort the process.
 */
import { existsSync } from 'node:fs';
import { acquireDevice, type DeviceStatus } from './device';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let instance: GPU | null = null;

export async function acquireNodeDevice(): Promise<DeviceStatus> {
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD))
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  if (!instance) {
    const webgpu = await import('webgpu');
    Object.assign(globalThis, webgpu.globals);
    instance = webgpu.create([]);
  }
  return acquireDevice(instance);
}
