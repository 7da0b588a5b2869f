import { afterEach, describe, expect, it } from 'vitest';
import { planScenario } from '../gpu';
import { defaultScenario, type Scenario } from '../scenario';
import { generateLayerTensors, layerConfigFromScenario } from '../workload';
import { CPU_MEMORY_BUDGET, CPU_WORK_BUDGET, cpuMemory, cpuPlan, MAX_TYPED_ARRAY_BYTES } from './plan';
import { runReferenceLayer } from './runLayer';

const scenario = (over: Partial<Scenario>): Scenario => ({ ...defaultScenario(), ...over });
const gpuLimits = { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 30 };

/** Milliseconds `fn` takes, whether it returns or throws. */
function timed(fn: () => unknown): number {
  const t0 = performance.now();
  try {
    fn();
  } catch {
    // the caller checks the error separately
  }
  return performance.now() - t0;
}

describe('cpuPlan: the CPU engine plans memory before it allocates', () => {
  it('refuses at once, in one line, a scenario the GPU planner refuses (T·E logits)', () => {
    const s = scenario({ tokens: 1_048_576, experts: 1024, topK: 8 });
    expect(() => planScenario(s, gpuLimits)).toThrow(/does not fit this device/);
    // Allocating the T·E logits alone (4 GiB) would take seconds; planning is arithmetic.
    expect(timed(() => cpuPlan(s))).toBeLessThan(200);
    let message = '';
    try {
      cpuPlan(s);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^the scenario does not fit the CPU engine even with the smallest expert FFN: /);
    expect(message).toContain('T·E logits');
    expect(message).toContain('lower tokens T or experts E');
    expect(message).not.toContain('\n');
  });

  it('refuses a huge hidden size by the largest single array, not by running out of memory', () => {
    const s = scenario({ tokens: 1_048_576, dModel: 16_384 });
    expect(() => planScenario(s, gpuLimits)).toThrow(/does not fit this device/);
    expect(timed(() => cpuPlan(s))).toBeLessThan(200);
    // The dispatched rows are T·k·d·4 = 128 GiB (x alone is 64 GiB): more than one typed array holds, whatever
    // the budget.
    expect(() => cpuPlan(s, { budget: 2 ** 50 })).toThrow(
      /T·k·d dispatched rows would be one array of 128\.0 GiB, more than the 2\.0 GiB one JavaScript typed array may hold; lower tokens T, top-k or hidden size d$/,
    );
    // Routing only, the widest array is x.
    expect(() => cpuPlan(s, { budget: 2 ** 50, routingOnly: true })).toThrow(
      /the T·d hidden states x would be one array of 64\.0 GiB/,
    );
    expect(() => cpuPlan(s)).toThrow(/does not fit the CPU engine/);
  });

  it('runs a small scenario at full size, with a bytes estimate', () => {
    const s = defaultScenario();
    const p = cpuPlan(s);
    expect(p).toMatchObject({ scale: 1, auto: true, note: 'full size' });
    expect(p.cfg).toEqual(layerConfigFromScenario(s));
    expect(p.bytes).toBe(cpuMemory(p.cfg, s.topics).totalBytes);
    expect(p.bytes).toBeGreaterThan(3 * s.experts * s.dModel * s.ffnSize * 4);
    expect(p.bytes).toBeLessThan(CPU_MEMORY_BUDGET);
  });

  it('auto scale shrinks f only as far as needed, and says so', () => {
    // Expert weights alone: 3·64·1024·8192·4 bytes = 6 GiB, six times the budget.
    const s = scenario({ dModel: 1024, ffnSize: 8192, experts: 64, tokens: 512 });
    const p = cpuPlan(s);
    expect(p.auto).toBe(true);
    expect(p.scale).toBeLessThan(1 / 6);
    expect(p.cfg.ffnSize).toBe(Math.round(s.ffnSize * p.scale));
    expect(p.bytes).toBeLessThanOrEqual(CPU_MEMORY_BUDGET);
    expect(p.bytes).toBeGreaterThan(0.99 * CPU_MEMORY_BUDGET);
    // One step wider no longer fits.
    const wider = layerConfigFromScenario(s, (p.cfg.ffnSize + 2) / s.ffnSize);
    expect(cpuMemory(wider, s.topics).fits).toBe(false);
    expect(p.note).toMatch(
      /^expert FFN shrunk to \S+% of its size \(f 8192 → \d+\) to fit the CPU engine: the layer needs 6\.\d GiB of CPU memory, more than the budget of 1\.0 GiB \(the most is the E·d·f expert weights w1, w3, w2/,
    );
  });

  it("keeps the scenario's measurement scale when it fits and refuses it when it does not", () => {
    const s = scenario({ dModel: 1024, ffnSize: 8192, experts: 64, tokens: 512 });
    const quarter = cpuPlan({ ...s, measureScale: 0.01 });
    expect(quarter).toMatchObject({ scale: 0.01, auto: false });
    expect(quarter.cfg.ffnSize).toBe(82);
    expect(quarter.note).toMatch(/as the scenario asks/);
    expect(() => cpuPlan({ ...s, measureScale: 1 })).toThrow(
      /^the scenario does not fit the CPU engine at measurement scale 1: the layer needs 6\.\d GiB/,
    );
    expect(() => cpuPlan({ ...s, measureScale: 0.5 })).toThrow(/at measurement scale 0\.5/);
  });

  it('bounds the arithmetic of one run too: shrinks f, or refuses what no f brings within CPU_WORK_BUDGET', () => {
    // Fits memory (about 0.6 GiB) but the router GEMM T·d·E alone is 2^35 multiply-adds.
    const router = scenario({ tokens: 16_384, dModel: 2048, experts: 1024, topK: 1, ffnSize: 8 });
    expect(cpuMemory(layerConfigFromScenario(router, 0), router.topics).fits).toBe(true);
    expect(timed(() => cpuPlan(router))).toBeLessThan(200);
    expect(() => cpuPlan(router)).toThrow(
      /even with the smallest expert FFN: one layer run is about 35·10⁹ multiply-adds, more than the CPU engine's 8\.59·10⁹ .*the most is the router GEMM \(T·d·E\).*lower tokens T, hidden size d or experts E\)$/,
    );
    // Fits memory, but the expert FFN is 3·T·k·d·f = 3·4096·8·1024·2048 ≈ 2.1·10¹¹: shrunk until the run fits.
    const ffn = scenario({ tokens: 4096, dModel: 1024, experts: 16, topK: 8, ffnSize: 2048 });
    expect(cpuMemory(layerConfigFromScenario(ffn), ffn.topics).fits).toBe(true);
    const p = cpuPlan(ffn);
    expect(p.auto).toBe(true);
    expect(p.work).toBeLessThanOrEqual(CPU_WORK_BUDGET);
    expect(p.work).toBeGreaterThan(0.9 * CPU_WORK_BUDGET);
    expect(p.note).toMatch(/to fit the CPU engine: .*multiply-adds/);
    expect(() => cpuPlan({ ...ffn, measureScale: 1 })).toThrow(/at measurement scale 1: .*multiply-adds/);
    // A default scenario is far below it.
    expect(cpuPlan(defaultScenario()).work).toBeLessThan(CPU_WORK_BUDGET / 100);
  });

  it('plans less for the routing-only runner (no dispatched rows, no output of the FFN)', () => {
    const s = scenario({ tokens: 65_536, dModel: 2048, ffnSize: 64 });
    const full = cpuMemory(layerConfigFromScenario(s), s.topics);
    const routing = cpuMemory(layerConfigFromScenario(s), s.topics, { routingOnly: true });
    // Full: rows (T·k·d) + y (T·d) in f32; routing only: y zeros (T·d).
    expect(full.totalBytes - routing.totalBytes).toBeGreaterThanOrEqual(65_536 * 2 * 2048 * 4);
    expect(MAX_TYPED_ARRAY_BYTES).toBeGreaterThan(CPU_MEMORY_BUDGET);
  });
});

/**
 * Bytes of every typed array constructed while `fn` runs: the typed-array constructors are wrapped so each
 * `new Float32Array(n)` (and `Float32Array.from`) the code makes is counted, wherever it is made.
 */
const WRAPPED = ['Float32Array', 'Float64Array', 'Int32Array', 'Uint8Array'] as const;
const originals = new Map<string, unknown>();
function allocatedBytes(fn: () => void): number {
  let bytes = 0;
  const g = globalThis as unknown as Record<string, unknown>;
  for (const name of WRAPPED) {
    const original = g[name] as new (...args: unknown[]) => ArrayBufferView;
    originals.set(name, original);
    g[name] = new Proxy(original, {
      construct(target, args, newTarget) {
        const made = Reflect.construct(target, args, newTarget) as ArrayBufferView;
        // Views onto an existing buffer allocate nothing.
        if (!(args[0] instanceof ArrayBuffer)) bytes += made.byteLength;
        return made;
      },
    });
  }
  try {
    fn();
  } finally {
    restore();
  }
  return bytes;
}
function restore() {
  const g = globalThis as unknown as Record<string, unknown>;
  for (const [name, original] of originals) g[name] = original;
  originals.clear();
}

describe('cpuMemory counts what the CPU engine really allocates', () => {
  afterEach(restore);

  const cases: [string, Partial<Scenario>, boolean][] = [
    ['token-choice', { tokens: 96, dModel: 48, ffnSize: 40, experts: 8, topK: 2 }, false],
    [
      'token-choice with bias, groups, shared experts, capacity and blocks',
      {
        tokens: 80,
        dModel: 32,
        ffnSize: 24,
        experts: 16,
        topK: 3,
        useBias: true,
        scoreFn: 'sigmoid',
        groups: 4,
        topGroups: 2,
        sharedExperts: 2,
        sharedFfnSize: 20,
        capacityFactor: 1.25,
        blockSize: 16,
      },
      false,
    ],
    [
      'expert-choice',
      { tokens: 64, dModel: 40, ffnSize: 32, experts: 8, topK: 2, routingMode: 'expert-choice' },
      false,
    ],
    ['routing only', { tokens: 128, dModel: 32, ffnSize: 64, experts: 16, topK: 4 }, true],
  ];

  for (const [name, over, routingOnly] of cases) {
    it(`${name}: the estimate is at least the real sum and within 1.1× of it`, () => {
      const s = scenario(over);
      const cfg = layerConfigFromScenario(s);
      const real = allocatedBytes(() => {
        const tensors = generateLayerTensors(s, cfg);
        runReferenceLayer(cfg, tensors, { routingOnly });
      });
      const planned = cpuMemory(cfg, s.topics, { routingOnly }).totalBytes;
      // The estimate is an upper bound (worst-case block padding, every random stream); 1.1× covers that padding
      // on these small layers, where it weighs most.
      // Sanity of the measurement itself: the expert weights alone were allocated.
      expect(real).toBeGreaterThan(3 * cfg.experts * cfg.dModel * cfg.ffnSize * 4);
      expect(planned).toBeGreaterThanOrEqual(real);
      expect(planned).toBeLessThanOrEqual(1.1 * real);
    });
  }
});
