import { acquireDevice, type DeviceStatus } from '../gpu';
import { useAppStore } from '../state';

let session: Promise<DeviceStatus> | undefined;

/** Acquire the page's one WebGPU device and publish its status; later calls share the same promise. */
export function startGpuSession(): Promise<DeviceStatus> {
  if (!session) {
    const gpu = typeof navigator !== 'undefined' ? navigator.gpu : undefined;
    session = acquireDevice(gpu).then((status) => {
      const { setGpu } = useAppStore.getState();
      if (status.ok) {
        setGpu({ kind: 'ready', label: status.summary.label, isSoftware: status.summary.isSoftware });
        status.device.lost.then((info) => {
          session = undefined;
          setGpu({
            kind: 'unavailable',
            message: `The GPU device was lost (${info.reason || 'unknown'}): ${info.message}`,
          });
        });
      } else {
        setGpu({ kind: 'unavailable', message: status.message });
      }
      return status;
    });
  }
  return session;
}
