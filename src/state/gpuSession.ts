import { acquireDevice, createMoeEngine, type DeviceStatus, type MoeEngine } from '../gpu';
import { browserShaders } from '../gpu/browserShaders';
import { useAppStore } from './store';

/**
 * The page's one WebGPU device and engine. Acquired once; a lost device is reported in the status line and
 * re-acquired by the engine on the next run.
 */
let session: Promise<DeviceStatus> | undefined;
let engine: MoeEngine | undefined;

function publish(status: DeviceStatus): void {
  const { setGpu } = useAppStore.getState();
  if (status.ok) {
    setGpu({ kind: 'ready', label: status.summary.label, isSoftware: status.summary.isSoftware });
    status.device.lost.then((info) => {
      if (info.reason === 'destroyed') return;
      setGpu({
        kind: 'lost',
        message: `The GPU device was lost (${info.message || 'unknown reason'}); the next run asks for a new one.`,
      });
    });
  } else {
    setGpu({ kind: 'unavailable', message: status.message });
  }
}

function requestDevice(): Promise<DeviceStatus> {
  const gpu = typeof navigator !== 'undefined' ? navigator.gpu : undefined;
  return acquireDevice(gpu).then((status) => {
    publish(status);
    return status;
  });
}

export function startGpuSession(): Promise<DeviceStatus> {
  session ??= requestDevice();
  return session;
}

/** The engine, or the reason there is none. */
export async function getEngine(): Promise<{ engine: MoeEngine } | { engine: null; reason: string }> {
  const status = await startGpuSession();
  if (!status.ok) return { engine: null, reason: status.message };
  engine ??= createMoeEngine(status.device, status.summary, browserShaders, {
    // A page shares memory with everything else the user runs: a quarter of the CLI's budget.
    memoryBudget: 256 * 2 ** 20,
    reacquire: async () => {
      const next = await requestDevice();
      if (!next.ok) throw new Error(next.message);
      session = Promise.resolve(next);
      return { device: next.device, summary: next.summary };
    },
  });
  return { engine };
}
