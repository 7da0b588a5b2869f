import { create } from 'zustand';
import type { LoadProfile } from '../costmodel';
import {
  applyModelPreset,
  coerceParam,
  firstScreenScenario,
  MODEL_KEYS,
  type ParamKey,
  reconcileScenario,
  type Scenario,
} from '../scenario';
import type { StreamResult } from '../stream';
import type { RunState } from './runController';
import type { MeasuredRun } from './runner';
import type { StreamState } from './streamController';

/** Where WebGPU stands on this page; filled once at start-up. */
export type GpuState =
  | { kind: 'checking' }
  | { kind: 'ready'; label: string; isSoftware: boolean }
  | { kind: 'unavailable'; message: string }
  | { kind: 'lost'; message: string };

export interface Notice {
  id: number;
  title: string;
  details: string[];
}

/** A result kept aside to compare with the current one. */
export interface Pinned {
  scenario: Scenario;
  measured: MeasuredRun | null;
  imported: LoadProfile | null;
}

export interface AppState {
  scenario: Scenario;
  gpu: GpuState;
  notices: Notice[];
  /** Extra hash keys (lesson, presentation mode) kept in the link. */
  extras: Record<string, string>;
  /** The latest measured run (kept while a new one runs, so charts do not flash). */
  measured: MeasuredRun | null;
  runState: RunState;
  autoRun: boolean;
  pinned: Pinned | null;
  /** The latest stream (steps × layers) run. */
  stream: StreamResult | null;
  streamState: StreamState;
  setStream: (stream: StreamResult | null) => void;
  setStreamState: (state: StreamState) => void;
  /** A load imported from a file (count table, trace): the cost model uses it instead of the measured one. */
  imported: LoadProfile | null;
  setImported: (load: LoadProfile | null) => void;
  pin: () => void;
  unpin: () => void;
  setMeasured: (run: MeasuredRun | null) => void;
  setRunState: (state: RunState) => void;
  setAutoRun: (on: boolean) => void;
  setParam: <K extends ParamKey>(key: K, value: unknown) => void;
  applyPreset: (presetId: string) => void;
  replaceScenario: (s: Scenario, extras?: Record<string, string>) => void;
  setGpu: (gpu: GpuState) => void;
  /** Set or clear one extra hash key (lesson, present, embed). */
  setExtra: (key: string, value: string | undefined) => void;
  notify: (title: string, details: string[]) => void;
  dismiss: (id: number) => void;
}

let nextNoticeId = 1;

export const useAppStore = create<AppState>((set, get) => ({
  // A fresh visit's scenario until the URL is read (urlSync opens the same one for an empty hash).
  scenario: firstScreenScenario(),
  gpu: { kind: 'checking' },
  notices: [],
  extras: {},
  measured: null,
  runState: { status: 'idle' },
  autoRun: true,
  pinned: null,
  stream: null,
  streamState: { status: 'idle' },
  setStream: (stream) => set({ stream }),
  setStreamState: (streamState) => set({ streamState }),
  imported: null,
  setImported: (imported) => set({ imported }),
  pin: () =>
    set({ pinned: { scenario: get().scenario, measured: get().measured, imported: get().imported } }),
  unpin: () => set({ pinned: null }),
  setMeasured: (measured) => set({ measured }),
  setRunState: (runState) => set({ runState }),
  setAutoRun: (autoRun) => set({ autoRun }),
  setParam: (key, value) => {
    const { value: coerced, issue } = coerceParam(key, value);
    const issues: string[] = issue ? [issue] : [];
    const next = { ...get().scenario, [key]: coerced } as Scenario;
    // Editing the model's shape by hand makes it a custom model.
    if (key === 'preset') {
      set({ scenario: applyModelPreset(get().scenario, String(coerced)) });
      return;
    }
    if (MODEL_KEYS.includes(key)) next.preset = 'custom';
    set({ scenario: reconcileScenario(next, issues) });
    if (issues.length) get().notify('Adjusted to a valid value', issues);
  },
  applyPreset: (presetId) => set({ scenario: applyModelPreset(get().scenario, presetId) }),
  replaceScenario: (scenario, extras) => set({ scenario, extras: extras ?? get().extras }),
  setGpu: (gpu) => set({ gpu }),
  setExtra: (key, value) => {
    const extras = { ...get().extras };
    if (value === undefined) delete extras[key];
    else extras[key] = value;
    set({ extras });
  },
  notify: (title, details) =>
    set({ notices: [...get().notices.slice(-3), { id: nextNoticeId++, title, details }] }),
  dismiss: (id) => set({ notices: get().notices.filter((n) => n.id !== id) }),
}));
