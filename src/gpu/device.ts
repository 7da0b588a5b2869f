/**
 * Acquire a WebGPU device once, and say plainly why when there is none. Works with the browser's
 * `navigator.gpu` and with the `webgpu` npm package (Dawn) in Node: the caller passes the GPU object.
 */

/** What every result records about the adapter it was measured on. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for a software adapter (SwiftShader, WARP, lavapipe): numbers are CPU numbers. */
  isSoftware: boolean;
  /** Human label, e.g. "google swiftshader (software adapter)". */
  label: string;
  features: string[];
}

export type GpuUnavailableReason = 'no-navigator-gpu' | 'no-adapter' | 'device-request-failed';

export type DeviceStatus =
  | { ok: true; device: GPUDevice; adapter: GPUAdapter; summary: AdapterSummary }
  | { ok: false; reason: GpuUnavailableReason; message: string };

const SOFTWARE_HINTS = /swiftshader|llvmpipe|lavapipe|warp|basic render|software/i;

export function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = (adapter.info ?? {}) as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const legacyFallback = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter;
  const vendor = info.vendor || 'unknown vendor';
  const architecture = info.architecture || '';
  const device = info.device || '';
  const description = info.description || '';
  const isSoftware =
    info.isFallbackAdapter === true ||
    legacyFallback === true ||
    SOFTWARE_HINTS.test(`${architecture} ${device} ${description}`);
  const name = [vendor, architecture].filter(Boolean).join(' ') || description || 'unknown adapter';
  return {
    vendor,
    architecture,
    device,
    description,
    isSoftware,
    label: isSoftware ? `${name} (software adapter)` : name,
    features: [...adapter.features].sort(),
  };
}

/** Optional features the engine uses when present. */
const WANTED_FEATURES: GPUFeatureName[] = ['timestamp-query', 'subgroups' as GPUFeatureName];

export async function acquireDevice(gpu: GPU | undefined): Promise<DeviceStatus> {
  if (!gpu) {
    return {
      ok: false,
      reason: 'no-navigator-gpu',
      message:
        'WebGPU is missing: this browser has no navigator.gpu (try a recent Chrome, Edge or Safari 26, served over https or localhost).',
    };
  }
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { ok: false, reason: 'no-adapter', message: `WebGPU has no adapter: ${(err as Error).message}` };
  }
  if (!adapter) {
    return {
      ok: false,
      reason: 'no-adapter',
      message: 'WebGPU is present but returned no adapter (GPU blocked, disabled, or unsupported).',
    };
  }
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f));
  const limits = adapter.limits;
  try {
    const device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
      },
    });
    return { ok: true, device, adapter, summary: summarizeAdapter(adapter) };
  } catch (err) {
    return {
      ok: false,
      reason: 'device-request-failed',
      message: `WebGPU adapter found, but the device request failed: ${(err as Error).message}`,
    };
  }
}
