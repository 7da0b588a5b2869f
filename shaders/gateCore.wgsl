// Shared snippet: the gate for one token (gate.wgsl, routerGate.wgsl). The includer binds bias, S, ids, wts,
// slotScore (bindings 2..6) and defines logitAt(i) -> f32, the router logit at flat index i of L[T, E].
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> S: array<f32>;
@group(0) @binding(4) var<storage, read_write> ids: array<u32>;
@group(0) @binding(5) var<storage, read_write> wts: array<f32>;
@group(0) @binding(6) var<storage, read_write> slotScore: array<f32>;

const NONE: u32 = 0xffffffffu;
// Largest k of the one-pass top-k (private arrays of this size); larger k uses k passes.
const SMALL_K: u32 = 8u;

// Write slot j of token t (expert, its score as weight and slot score); returns the score for the sum.
fn putSlot(t: u32, k: u32, j: u32, base: u32, e: u32) -> f32 {
  let slot = t * k + j;
  if (slot >= arrayLength(&ids) || slot >= arrayLength(&wts) || slot >= arrayLength(&slotScore)) { return 0.0; }
  ids[slot] = e;
  var sc = 0.0;
  if (e != NONE) { sc = S[base + e]; }
  wts[slot] = sc;
  slotScore[slot] = sc;
  return sc;
}

// exp of a non-positive argument only, so neither side overflows (sigmoid(-100) keeps its tiny value).
fn sigmoid(l: f32) -> f32 {
  if (l >= 0.0) { return 1.0 / (1.0 + exp(-l)); }
  let z = exp(l);
  return z / (1.0 + z);
}

fn selScore(base: u32, e: u32) -> f32 {
  var s = S[base + e];
  if (P.useBias == 1u) { s += bias[e]; }
  return s;
}

// True when (sa, ia) comes strictly before (sb, ib): higher score first, then lower index.
fn before(sa: f32, ia: u32, sb: f32, ib: u32) -> bool {
  return sa > sb || (sa == sb && ia < ib);
}

fn groupScore(base: u32, g: u32, gs: u32) -> f32 {
  var top1 = 0.0;
  var top2 = 0.0;
  var n = 0u;
  for (var i = 0u; i < gs; i++) {
    let s = selScore(base, g * gs + i);
    if (n == 0u || s > top1) {
      top2 = top1;
      if (n == 0u) { top2 = s; }
      top1 = s;
    } else if (n == 1u || s > top2) {
      top2 = s;
    }
    n++;
  }
  if (P.useBias == 1u && gs >= 2u) { return top1 + top2; }
  return top1;
}

fn allowed(lo: u32, hi: u32, g: u32) -> bool {
  if (g < 32u) { return ((lo >> g) & 1u) == 1u; }
  return ((hi >> (g - 32u)) & 1u) == 1u;
}

fn gateToken(t: u32) {
  let E = P.experts;
  if (t >= P.tokens) { return; }
  let base = t * E;
  if (base + E > arrayLength(&S)) { return; }

  if (P.scoreFn == 0u) {
    var m = logitAt(base);
    for (var e = 1u; e < E; e++) { m = max(m, logitAt(base + e)); }
    var sum = 0.0;
    for (var e = 0u; e < E; e++) {
      let v = exp(logitAt(base + e) - m);
      S[base + e] = v;
      sum += v;
    }
    for (var e = 0u; e < E; e++) { S[base + e] = S[base + e] / sum; }
  } else {
    for (var e = 0u; e < E; e++) { S[base + e] = sigmoid(logitAt(base + e)); }
  }
  if (P.mode == 1u) { return; }

  // Group-limited routing: keep the topGroups best groups (bits of a 64-bit mask).
  var maskLo = 0xffffffffu;
  var maskHi = 0xffffffffu;
  let G = max(P.groups, 1u);
  if (G > 1u) {
    maskLo = 0u;
    maskHi = 0u;
    let gs = E / G;
    var prevS = 0.0;
    var prevG = NONE;
    for (var r = 0u; r < min(P.topGroups, G); r++) {
      var bestS = 0.0;
      var bestG = NONE;
      for (var g = 0u; g < G; g++) {
        let s = groupScore(base, g, gs);
        let eligible = prevG == NONE || before(prevS, prevG, s, g);
        if (eligible && (bestG == NONE || before(s, g, bestS, bestG))) {
          bestS = s;
          bestG = g;
        }
      }
      if (bestG == NONE) { break; }
      if (bestG < 32u) { maskLo |= 1u << bestG; } else { maskHi |= 1u << (bestG - 32u); }
      prevS = bestS;
      prevG = bestG;
    }
  }

  // Top-k by selection score in the total order (score descending, then lower index).
  let k = P.topK;
  let gsz = E / G;
  var sum = 0.0;
  if (k <= SMALL_K) {
    // One pass: insertion into a sorted list of the best k so far (strict order, so equal scores keep the lower
    // index first, the same result as the k-pass loop below).
    var bs: array<f32, SMALL_K>;
    var be: array<u32, SMALL_K>;
    var n = 0u;
    for (var e = 0u; e < E; e++) {
      if (G > 1u && !allowed(maskLo, maskHi, e / gsz)) { continue; }
      let s = selScore(base, e);
      if (n == k && !before(s, e, bs[k - 1u], be[k - 1u])) { continue; }
      var j = min(n, k - 1u);
      while (j > 0u && before(s, e, bs[j - 1u], be[j - 1u])) {
        bs[j] = bs[j - 1u];
        be[j] = be[j - 1u];
        j--;
      }
      bs[j] = s;
      be[j] = e;
      n = min(n + 1u, k);
    }
    for (var j = 0u; j < k; j++) {
      var bestE = NONE;
      if (j < n) { bestE = be[j]; }
      sum += putSlot(t, k, j, base, bestE);
    }
  } else {
    // Each round the best entry strictly after the previous one in the total order.
    var prevS = 0.0;
    var prevE = NONE;
    for (var j = 0u; j < k; j++) {
      var bestS = 0.0;
      var bestE = NONE;
      for (var e = 0u; e < E; e++) {
        if (G > 1u && !allowed(maskLo, maskHi, e / gsz)) { continue; }
        let s = selScore(base, e);
        let eligible = prevE == NONE || before(prevS, prevE, s, e);
        if (eligible && (bestE == NONE || before(s, e, bestS, bestE))) {
          bestS = s;
          bestE = e;
        }
      }
      sum += putSlot(t, k, j, base, bestE);
      if (bestE == NONE) { continue; }
      prevS = bestS;
      prevE = bestE;
    }
  }
  for (var j = 0u; j < k; j++) {
    let slot = t * k + j;
    if (slot < arrayLength(&wts)) {
      var w = wts[slot];
      if (P.renormalize == 1u && sum > 0.0) { w = w / sum; }
      wts[slot] = w * P.routeScale;
    }
  }
}
