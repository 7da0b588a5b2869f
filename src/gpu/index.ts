export {
  type AdapterSummary,
  acquireDevice,
  type DeviceStatus,
  type GpuUnavailableReason,
  summarizeAdapter,
} from './device';
