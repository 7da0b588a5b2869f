import { create, globals } from 'webgpu';
import { acquireDevice, type DeviceStatus } from '../../src/gpu';

Object.assign(globalThis, globals);

/** A device for a test file: get it in beforeAll, destroy it in afterAll. */
export async function nodeDevice(): Promise<Extract<DeviceStatus, { ok: true }>> {
  const status = await acquireDevice(create([]));
  if (!status.ok)
    throw new Error(`${status.message} (is VK_ICD_FILENAMES set to a Vulkan driver such as SwiftShader?)`);
  return status;
}
