export { type AppState, type GpuState, type Notice, useAppStore } from './store';
export { currentLink, startUrlSync } from './urlSync';
