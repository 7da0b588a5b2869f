import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { deepseekEplbPlacement } from './eplb';
import {
  layerChoiceCounts,
  layerNetwork,
  type NetworkPlacement,
  networkBeforeAfter,
  networkFactors,
  networkOf,
} from './network';
import { placeExperts } from './placement';

/**
 * Brute force, written apart from the implementation: for every token, every chosen expert's replica by the
 * documented rule (own rank, else own domain, else any; candidate t mod count, in slot order), the set of distinct
 * destination ranks, one row to each.
 */
function bruteForce(
  ids: number[][],
  p: NetworkPlacement,
  domain: number,
  home: (t: number) => number,
): { rows: number[][]; expertRows: number[][] } {
  const R = p.ranks;
  const rows = Array.from({ length: R }, () => new Array<number>(R).fill(0));
  const expertRows = Array.from({ length: R }, () => new Array<number>(R).fill(0));
  ids.forEach((choice, t) => {
    const h = home(t);
    const dsts = new Set<number>();
    for (const e of choice) {
      const reps: number[] = [];
      for (let s = 0; s < p.slotExpert.length; s++) if (p.slotExpert[s] === e) reps.push(p.slotRank[s]);
      let cands = reps.filter((r) => r === h);
      if (cands.length === 0) cands = reps.filter((r) => Math.floor(r / domain) === Math.floor(h / domain));
      if (cands.length === 0) cands = reps;
      const d = cands.length === 1 ? cands[0] : cands[t % cands.length];
      expertRows[h][d]++;
      dsts.add(d);
    }
    for (const d of dsts) rows[h][d]++;
  });
  return { rows, expertRows };
}

/** k distinct experts per token out of E, from a seed list. */
const traceArb = fc
  .record({
    E: fc.integer({ min: 1, max: 12 }),
    T: fc.integer({ min: 1, max: 40 }),
    R: fc.integer({ min: 1, max: 7 }),
    D: fc.integer({ min: 1, max: 7 }),
    redundant: fc.nat({ max: 6 }),
    mode: fc.constantFrom('round-robin' as const, 'load-aware' as const, 'eplb' as const),
    kFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    seed: fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 64 }),
  })
  .map((c) => {
    const k = Math.max(1, Math.round(c.kFrac * c.E));
    const ids: number[][] = [];
    for (let t = 0; t < c.T; t++) {
      const pool = Array.from({ length: c.E }, (_, e) => e);
      const pick: number[] = [];
      for (let j = 0; j < k; j++) {
        const i = c.seed[(t * 7 + j * 3) % c.seed.length] % pool.length;
        pick.push(pool.splice(i, 1)[0]);
      }
      ids.push(pick);
    }
    return { ...c, k, ids };
  });

const flat = (m: Int32Array | Float64Array, R: number) =>
  Array.from({ length: R }, (_, i) => Array.from(m.subarray(i * R, (i + 1) * R)));

describe('layerNetwork', () => {
  it('equals a brute-force count over the trace (replicas, R not dividing T, k up to E, one token)', () => {
    fc.assert(
      fc.property(traceArb, ({ E, T, R, D, redundant, mode, k, ids }) => {
        const load = Array.from({ length: E }, (_, e) => ids.filter((c) => c.includes(e)).length);
        const p = placeExperts(load, R, mode, redundant);
        const net = layerNetwork({ tokens: T, topK: k, ids: ids.flat() }, p, {
          dispatchBytesPerRow: 3,
          combineBytesPerRow: 5,
          domain: D,
        });
        const dom = Math.min(D, R);
        const want = bruteForce(ids, p, dom, (t) => Math.floor((t * R) / T));
        expect(flat(net.rows, R)).toEqual(want.rows);
        expect(flat(net.expertRows, R)).toEqual(want.expertRows);
        // Bytes: dispatch src → dst, combine the reverse.
        for (let s = 0; s < R; s++)
          for (let d = 0; d < R; d++) {
            expect(net.dispatch.bytes[s * R + d]).toBe(want.rows[s][d] * 3);
            expect(net.combine.bytes[d * R + s]).toBe(want.rows[s][d] * 5);
          }
        // Every pair lands somewhere; one row per (token, destination rank).
        expect(want.expertRows.flat().reduce((a, b) => a + b, 0)).toBe(T * k);
        // Domain split sums to the totals; self apart.
        for (const dir of [net.dispatch, net.combine]) {
          let all = 0;
          let diag = 0;
          for (let s = 0; s < R; s++)
            for (let d = 0; d < R; d++) {
              all += dir.bytes[s * R + d];
              if (s === d) diag += dir.bytes[s * R + d];
            }
          expect(dir.totalSelf).toBe(diag);
          expect(dir.totalUp + dir.totalOut + dir.totalSelf).toBe(all);
          const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
          expect(sum(dir.sendUp)).toBe(dir.totalUp);
          expect(sum(dir.recvUp)).toBe(dir.totalUp);
          expect(sum(dir.sendOut)).toBe(dir.totalOut);
          expect(sum(dir.recvOut)).toBe(dir.totalOut);
          // Up stays inside a node, out crosses one.
          for (let s = 0; s < R; s++) {
            let up = 0;
            let out = 0;
            for (let d = 0; d < R; d++) {
              if (d === s) continue;
              if (Math.floor(d / dom) === Math.floor(s / dom)) up += dir.bytes[s * R + d];
              else out += dir.bytes[s * R + d];
            }
            expect(dir.sendUp[s]).toBe(up);
            expect(dir.sendOut[s]).toBe(out);
          }
          // Busiest rank and link.
          let maxRank = 0;
          let maxLink = 0;
          for (let r = 0; r < R; r++) {
            const send = dir.sendUp[r] + dir.sendOut[r];
            const recv = dir.recvUp[r] + dir.recvOut[r];
            maxRank = Math.max(maxRank, send, recv);
            for (let q = 0; q < R; q++) if (q !== r) maxLink = Math.max(maxLink, dir.bytes[r * R + q]);
          }
          expect(dir.busiestRank.bytes).toBe(maxRank);
          expect(dir.busiestLink.bytes).toBe(maxLink);
          if (maxLink > 0) {
            expect(dir.busiestLink.src).not.toBe(dir.busiestLink.dst);
            expect(dir.bytes[dir.busiestLink.src * R + dir.busiestLink.dst]).toBe(maxLink);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('matches brute force with a custom home-rank array and a [T, L, k] trace read in place', () => {
    fc.assert(
      fc.property(traceArb, fc.array(fc.nat({ max: 100 }), { minLength: 1 }), (c, homes) => {
        const { E, T, R, D, redundant, k, ids } = c;
        const p = placeExperts(
          layerChoiceCounts({ tokens: T, topK: k, ids: ids.flat() }, E),
          R,
          'eplb',
          redundant,
        );
        const home = (t: number) => homes[t % homes.length] % R;
        // Layer 1 of 2: the other layer holds garbage ids the call must not read.
        const L = 2;
        const big = new Int32Array(T * L * k).fill(999);
        ids.forEach((choice, t) => {
          big.set(choice, (t * L + 1) * k);
        });
        const net = layerNetwork({ tokens: T, topK: k, ids: big, stride: L * k, offset: k }, p, {
          dispatchBytesPerRow: 1,
          combineBytesPerRow: 1,
          domain: D,
          homeRanks: Int32Array.from({ length: T }, (_, t) => home(t)),
        });
        expect(flat(net.rows, R)).toEqual(bruteForce(ids, p, Math.min(D, R), home).rows);
      }),
      { numRuns: 150 },
    );
  });

  it('sends nothing over a link when every token’s experts sit on its own rank', () => {
    // 4 ranks, 8 experts round-robin (e on rank e mod 4); token t on rank floor(t/2) picks experts r and r + 4.
    const p = placeExperts(new Array(8).fill(1), 4, 'round-robin');
    const ids: number[] = [];
    for (let t = 0; t < 8; t++) {
      const r = Math.floor(t / 2);
      ids.push(r, r + 4);
    }
    const net = layerNetwork({ tokens: 8, topK: 2, ids }, p, {
      dispatchBytesPerRow: 10,
      combineBytesPerRow: 20,
      domain: 2,
    });
    expect(net.dispatch.totalUp + net.dispatch.totalOut).toBe(0);
    expect(net.dispatch.totalSelf).toBe(8 * 10);
    expect(net.combine.totalSelf).toBe(8 * 20);
    expect(net.dispatch.busiestLink.bytes).toBe(0);
    expect(net.dispatch.busiestRank.bytes).toBe(0);
    // Per expert there are two pairs per token, one row per token.
    expect(net.expertRows.reduce((a, b) => a + b, 0)).toBe(16);
    expect(net.rows.reduce((a, b) => a + b, 0)).toBe(8);
  });

  it('sends one row per destination rank, not per expert', () => {
    // 2 ranks, experts 1 and 3 both on rank 1; token 0 (rank 0) picks both: one row to rank 1, two pairs.
    const p = placeExperts([1, 1, 1, 1], 2, 'round-robin');
    const net = layerNetwork({ tokens: 1, topK: 2, ids: [1, 3] }, p, {
      dispatchBytesPerRow: 7168,
      combineBytesPerRow: 14336,
    });
    expect(Array.from(net.rows)).toEqual([0, 1, 0, 0]);
    expect(Array.from(net.expertRows)).toEqual([0, 2, 0, 0]);
    expect(net.dispatch.busiestLink).toEqual({ src: 0, dst: 1, bytes: 7168 });
    expect(net.combine.busiestLink).toEqual({ src: 1, dst: 0, bytes: 14336 });
  });

  it('prefers the replica on the home rank, then in the home domain, then spreads by token index', () => {
    // Expert 0 on ranks 1 and 3, expert 1 on rank 0, expert 2 on rank 2: 4 ranks, domains {0,1} {2,3}.
    const p: NetworkPlacement = {
      ranks: 4,
      replicas: Int32Array.from([2, 1, 1]),
      slotExpert: Int32Array.from([0, 0, 1, 2]),
      slotRank: Int32Array.from([1, 3, 0, 2]),
    };
    const home = Int32Array.from([0, 1, 2, 3]);
    const net = layerNetwork({ tokens: 4, topK: 1, ids: [0, 0, 0, 0] }, p, {
      dispatchBytesPerRow: 1,
      combineBytesPerRow: 1,
      domain: 2,
      homeRanks: home,
    });
    // Rank 0 → 1 (same domain), rank 1 → itself, rank 2 → 3 (same domain), rank 3 → itself.
    expect(flat(net.rows, 4)).toEqual([
      [0, 1, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 0, 1],
      [0, 0, 0, 1],
    ]);
    // With one domain per rank nothing is local for ranks 0 and 2: tokens 0 and 2 spread by index (0 % 2, 2 % 2).
    const spread = layerNetwork({ tokens: 4, topK: 1, ids: [0, 0, 0, 0] }, p, {
      dispatchBytesPerRow: 1,
      combineBytesPerRow: 1,
      domain: 1,
      homeRanks: home,
    });
    expect(spread.rows[0 * 4 + 1] + spread.rows[0 * 4 + 3]).toBe(1);
    expect(spread.rows[0 * 4 + 1]).toBe(1);
  });

  it('reports per-step busiest ranks, with each step split over the ranks on its own', () => {
    // 2 steps of 4 tokens over 2 ranks; step 0 sends everything from rank 0 to rank 1, step 1 is all local.
    const p = placeExperts([1, 1], 2, 'round-robin');
    const ids = [1, 1, 1, 1, 0, 0, 1, 1];
    const net = layerNetwork({ tokens: 8, topK: 1, ids }, p, {
      dispatchBytesPerRow: 2,
      combineBytesPerRow: 2,
      stepTokens: 4,
    });
    expect(net.steps).toBe(2);
    expect(Array.from(net.dispatch.stepBusiest)).toEqual([4, 0]);
    expect(Array.from(net.dispatch.stepMean)).toEqual([2, 0]);
    expect(Array.from(net.dispatch.stepMaxSend)).toEqual([4, 0]);
    expect(Array.from(net.dispatch.stepMaxRecv)).toEqual([4, 0]);
    // The combine runs the other way: rank 1 sends rank 0's rows back.
    expect(Array.from(net.combine.stepMaxSend)).toEqual([4, 0]);
    expect(net.combine.sendUp[1]).toBe(4);
    expect(flat(net.rows, 2)).toEqual([
      [2, 2],
      [0, 4],
    ]);
  });

  it('refuses ids past the placement’s experts and skips negative (dropped) ones', () => {
    const p = placeExperts([1, 1], 2, 'round-robin');
    const o = { dispatchBytesPerRow: 1, combineBytesPerRow: 1 };
    expect(() => layerNetwork({ tokens: 1, topK: 1, ids: [2] }, p, o)).toThrow(/outside 0–1/);
    expect(
      layerNetwork({ tokens: 2, topK: 2, ids: [1, -1, -1, -1] }, p, o).rows.reduce((a, b) => a + b),
    ).toBe(1);
  });
});

describe('networkBeforeAfter', () => {
  it('EPLB lowers the busiest rank’s receive bytes on a skewed trace', () => {
    // 64 experts, 16 ranks, k = 4; experts 0–3 are hot (every other token picks them all).
    const E = 64;
    const R = 16;
    const k = 4;
    const T = 4096;
    const ids = new Int32Array(T * k);
    let x = 12345;
    const rand = () => {
      x = (x * 1103515245 + 12345) >>> 0;
      return x / 2 ** 32;
    };
    for (let t = 0; t < T; t++) {
      const picked = new Set<number>();
      if (t % 2 === 0) for (let j = 0; j < k; j++) picked.add(j);
      while (picked.size < k) picked.add(Math.floor(rand() * E));
      ids.set([...picked], t * k);
    }
    const choices = { tokens: T, topK: k, ids };
    const cmp = networkBeforeAfter(choices, E, R, 16, {
      dispatchBytesPerRow: 7168,
      combineBytesPerRow: 14336,
      domain: 8,
      stepTokens: 1024,
    });
    expect(cmp.fellBack).toBe(false);
    const recv = (d: { recvUp: Float64Array; recvOut: Float64Array }) =>
      Math.max(...Array.from(d.recvUp, (v, r) => v + d.recvOut[r]));
    expect(recv(cmp.eplb.dispatch)).toBeLessThan(0.8 * recv(cmp.plain.dispatch));
    expect(cmp.eplb.dispatch.busiestRank.bytes).toBeLessThan(cmp.plain.dispatch.busiestRank.bytes);
    // The pairs are the same whatever the placement.
    const pairs = (a: Int32Array) => a.reduce((s, v) => s + v, 0);
    expect(pairs(cmp.eplb.expertRows)).toBe(T * k);
    expect(pairs(cmp.plain.expertRows)).toBe(T * k);
  });
  it('load-aware spreads hot experts that round-robin stacks on one rank, and lowers its busiest rank', () => {
    // 16 experts on 4 ranks: the hot experts 0, 4, 8, 12 all sit on rank 0 under round-robin (e mod 4).
    const E = 16;
    const R = 4;
    const T = 256;
    const ids = Array.from({ length: T }, (_, t) => [4 * (t % 4), 1 + 4 * (t % 3) + (t % 2)]).flat();
    const cmp = networkBeforeAfter({ tokens: T, topK: 2, ids }, E, R, 4, {
      dispatchBytesPerRow: 1,
      combineBytesPerRow: 1,
    });
    expect(cmp.loadAwareFellBack).toBe(false);
    const hot = [0, 4, 8, 12].map((e) => cmp.loadAwarePlacement.slotRank[e]);
    expect(new Set(hot).size).toBe(4);
    const recv = (d: { recvUp: Float64Array; recvOut: Float64Array }) =>
      Math.max(...Array.from(d.recvUp, (v, r) => v + d.recvOut[r]));
    // Round-robin: rank 0 receives every token's hot row bar its own block's (3/4 of T).
    expect(recv(cmp.plain.dispatch)).toBe((3 * T) / 4);
    expect(recv(cmp.loadAware.dispatch)).toBeLessThan(0.6 * recv(cmp.plain.dispatch));
    expect(networkOf(cmp, 'round-robin')).toBe(cmp.plain);
    expect(networkOf(cmp, 'load-aware')).toBe(cmp.loadAware);
    expect(networkOf(cmp, 'eplb')).toBe(cmp.eplb);
  });

  it('measures all three placements from the same history, each equal to a brute-force count', () => {
    fc.assert(
      fc.property(traceArb, fc.boolean(), ({ E, T, R, D, redundant, k, ids }, ownHistory) => {
        const choices = { tokens: T, topK: k, ids: ids.flat() };
        // An earlier window's load (a rotation of this trace's) or, by default, the trace's own counts.
        const own = layerChoiceCounts(choices, E);
        const history = ownHistory ? own : Float64Array.from(own, (_, e) => own[(e + 1) % E] + (e % 3));
        const o = { dispatchBytesPerRow: 3, combineBytesPerRow: 5, domain: D, stepTokens: T };
        const cmp = networkBeforeAfter(choices, E, R, redundant, ownHistory ? o : { ...o, history });
        const home = (t: number) => Math.floor((t * R) / T);
        const dom = Math.min(D, R);
        for (const [mode, got] of [
          ['round-robin', cmp.plain],
          ['load-aware', cmp.loadAware],
          ['eplb', cmp.eplb],
        ] as const) {
          const p = placeExperts(history, R, mode, redundant);
          expect(flat(got.rows, R)).toEqual(bruteForce(ids, p, dom, home).rows);
          expect(got.expertRows.reduce((a, b) => a + b, 0)).toBe(T * k);
        }
        const la = placeExperts(history, R, 'load-aware');
        expect(Array.from(cmp.loadAwarePlacement.slotRank)).toEqual(Array.from(la.slotRank));
        expect(cmp.loadAwarePlacement.replicas.every((n) => n === 1)).toBe(true);
        expect(cmp.loadAwareFellBack).toBe(la.fellBack);
      }),
      { numRuns: 300 },
    );
  });
});

describe('layerNetwork against a per-step brute force on arbitrary placements', () => {
  // Any placement: every expert at least one slot, extra slots on random experts, every slot on a random rank (so
  // replicas may share a rank, ranks may hold nothing, R need not divide E or the slots, D need not divide R).
  const caseArb = fc
    .record({
      E: fc.integer({ min: 1, max: 10 }),
      R: fc.integer({ min: 1, max: 9 }),
      D: fc.integer({ min: 1, max: 9 }),
      T: fc.integer({ min: 1, max: 30 }),
      stepTokens: fc.integer({ min: 1, max: 30 }),
      k: fc.integer({ min: 1, max: 10 }),
      extra: fc.nat({ max: 8 }),
      seed: fc.array(fc.nat({ max: 1 << 20 }), { minLength: 8, maxLength: 64 }),
    })
    .map((c) => {
      let i = 0;
      const next = (n: number) => c.seed[i++ % c.seed.length] % n;
      const k = Math.min(c.k, c.E);
      const slotExpert = [...Array.from({ length: c.E }, (_, e) => e)];
      for (let x = 0; x < c.extra; x++) slotExpert.push(next(c.E));
      const slotRank = slotExpert.map(() => next(c.R));
      const replicas = new Int32Array(c.E);
      for (const e of slotExpert) replicas[e]++;
      const p: NetworkPlacement = {
        ranks: c.R,
        replicas,
        slotExpert: Int32Array.from(slotExpert),
        slotRank: Int32Array.from(slotRank),
      };
      // k distinct experts a token, some dropped (-1): drops leave a token with fewer, or no, experts.
      const ids: number[][] = [];
      for (let t = 0; t < c.T; t++) {
        const pool = Array.from({ length: c.E }, (_, e) => e);
        ids.push(
          Array.from({ length: k }, () => {
            const e = pool.splice(next(pool.length), 1)[0];
            return next(4) === 0 ? -1 : e;
          }),
        );
      }
      return { ...c, k, p, ids };
    });

  it('rows, per-step sends and receives, and the cost factors equal a token-by-token count', () => {
    fc.assert(
      fc.property(caseArb, ({ E, R, D, T, stepTokens, k, p, ids }) => {
        const st = Math.min(stepTokens, T);
        const dom = Math.min(D, R);
        const net = layerNetwork({ tokens: T, topK: k, ids: ids.flat() }, p, {
          dispatchBytesPerRow: 3,
          combineBytesPerRow: 5,
          domain: D,
          stepTokens,
        });
        const steps = Math.ceil(T / st);
        const rows = Array.from({ length: R }, () => new Array<number>(R).fill(0));
        const send = Array.from({ length: steps }, () => new Array<number>(R).fill(0));
        const recv = Array.from({ length: steps }, () => new Array<number>(R).fill(0));
        let pairs = 0;
        for (let t = 0; t < T; t++) {
          const s = Math.floor(t / st);
          const len = Math.min(st, T - s * st);
          const h = Math.floor(((t - s * st) * R) / len);
          const dst = new Set<number>();
          for (const e of ids[t]) {
            if (e < 0) continue;
            pairs++;
            const reps = [...p.slotRank].filter((_, x) => p.slotExpert[x] === e);
            const own = reps.filter((r) => r === h);
            const near = reps.filter((r) => Math.floor(r / dom) === Math.floor(h / dom));
            const c = own.length ? own : near.length ? near : reps;
            dst.add(c[t % c.length]);
          }
          for (const d of dst) {
            rows[h][d]++;
            if (d !== h) {
              send[s][h]++;
              recv[s][d]++;
            }
          }
        }
        expect(flat(net.rows, R)).toEqual(rows);
        expect(net.expertRows.reduce((a, b) => a + b, 0)).toBe(pairs);
        const max = (a: number[]) => Math.max(0, ...a);
        expect(Array.from(net.dispatch.stepMaxSend)).toEqual(send.map((r) => max(r) * 3));
        expect(Array.from(net.dispatch.stepMaxRecv)).toEqual(recv.map((r) => max(r) * 3));
        expect(Array.from(net.combine.stepMaxSend)).toEqual(recv.map((r) => max(r) * 5));
        expect(Array.from(net.dispatch.stepBusiest)).toEqual(
          send.map((r, s) => Math.max(max(r), max(recv[s])) * 3),
        );
        const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
        send.forEach((r, s) => {
          expect(net.dispatch.stepMean[s]).toBeCloseTo((sum(r) / R) * 3, 9);
        });
        const f = networkFactors(net);
        expect(f.sendRowsPerToken).toBeCloseTo(sum(send.map(max)) / (T / R), 9);
        const linked = sum(send.map(sum));
        let up = 0;
        for (let a = 0; a < R; a++)
          for (let b = 0; b < R; b++)
            if (a !== b && Math.floor(a / dom) === Math.floor(b / dom)) up += rows[a][b];
        if (linked > 0) expect(f.upShare).toBeCloseTo(up / linked, 12);
        else expect(f.upShare).toBeUndefined();
        expect(E).toBe(p.replicas.length);
      }),
      { numRuns: 400 },
    );
  });

  it('DeepSeek EPLB placements (several replicas, k = E) match the brute force too', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat({ max: 50 }), { minLength: 12, maxLength: 12 }),
        (R, mult, load) => {
          const E = 12;
          const physical = Math.ceil(E / R) * R + R * (mult - 1);
          const p = deepseekEplbPlacement(load, R, physical - E);
          const T = 17;
          const ids = Array.from({ length: T }, () => Array.from({ length: E }, (_, e) => e));
          const net = layerNetwork({ tokens: T, topK: E, ids: ids.flat() }, p, {
            dispatchBytesPerRow: 1,
            combineBytesPerRow: 1,
            domain: 2,
          });
          // Every token needs every expert; a replicated one only at the replica the rule picks, so a rank
          // whose slots are all replicas chosen elsewhere may get nothing.
          const want = bruteForce(ids, p, Math.min(2, R), (t) => Math.floor((t * R) / T));
          expect(flat(net.rows, R)).toEqual(want.rows);
          for (const row of want.rows) expect(row.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
          expect(net.expertRows.reduce((a, b) => a + b, 0)).toBe(T * E);
        },
      ),
      { numRuns: 100 },
    );
  });
});
