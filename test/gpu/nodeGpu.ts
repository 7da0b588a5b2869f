import { create, globals } from 'webgpu';
import { acquireDevice, type DeviceStatus } from '../../src/gpu';

Object.assign(globalThis, globals);

/**
 * The Dawn instance must outlive every device made from it: if the `GPU` object returned by create() is garbage
 * collected, Dawn's threads abort the process ("futex facility returned an unexpected error code"). Keep it.
 */
let instance: GPU | null = null;

/** A device for a test file: get it in beforeAll, destroy it in afterAll. */
export async function nodeDevice(): Promise<Extract<DeviceStatus, { ok: true }>> {
  instance ??= create([]);
  const status = await acquireDevice(instance);
  if (!status.ok)
    throw new Error(`${status.message} (is VK_ICD_FILENAMES set to a Vulkan driver such as SwiftShader?)`);
  return status;
}
