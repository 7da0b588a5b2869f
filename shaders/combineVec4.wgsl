// Combine, vec4 path (d a multiple of 4): the same sums as combine.wgsl in the same fixed order. One invocation
// per token and run of up to CB vec4 columns: the token's positions and weights are loaded once per run, not once
// per column.
//!include params
//!include linearId

@group(0) @binding(1) var<storage, read> wts: array<f32>;
@group(0) @binding(2) var<storage, read> positions: array<i32>;
@group(0) @binding(3) var<storage, read> Y: array<vec4f>;
@group(0) @binding(4) var<storage, read> Ysh: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> outY: array<vec4f>;
@group(0) @binding(6) var<storage, read> S: array<f32>;
@group(0) @binding(7) var<storage, read> ecRow: array<u32>;

const WG: u32 = 64u;
const CB: u32 = 8u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let i = linearWorkgroup(wid, nwg) * WG + li;
  let d4 = P.dModel / 4u;
  let runs = (d4 + CB - 1u) / CB;
  let t = i / runs;
  if (t >= P.tokens) { return; }
  let c0 = (i % runs) * CB;
  let c1 = min(c0 + CB, d4);
  let o = t * d4;
  if (o + c1 > arrayLength(&outY)) { return; }
  if (P.mode == 0u && P.topK <= 4u) {
    // k ≤ 4: the token's rows and weights in registers, each output written once.
    let k = P.topK;
    var p = vec4i(-1);
    var w = vec4f(0.0);
    for (var j = 0u; j < k; j++) {
      p[j] = positions[t * k + j];
      w[j] = wts[t * k + j];
    }
    let y = vec4u(max(p, vec4i(0))) * d4;
    let on = p >= vec4i(0);
    for (var c = c0; c < c1; c++) {
      var acc = vec4f(0.0);
      if (on.x) { acc += w.x * Y[y.x + c]; }
      if (on.y) { acc += w.y * Y[y.y + c]; }
      if (on.z) { acc += w.z * Y[y.z + c]; }
      if (on.w) { acc += w.w * Y[y.w + c]; }
      if (P.sharedExperts > 0u) { acc += Ysh[o + c]; }
      outY[o + c] = acc;
    }
    return;
  }
  // Otherwise accumulate in place, in the same order (shared experts last).
  for (var c = c0; c < c1; c++) { outY[o + c] = vec4f(0.0); }
  if (P.mode == 0u) {
    let k = P.topK;
    for (var j = 0u; j < k; j++) {
      let p = positions[t * k + j];
      if (p < 0) { continue; }
      let w = wts[t * k + j];
      let y = u32(p) * d4;
      for (var c = c0; c < c1; c++) { outY[o + c] += w * Y[y + c]; }
    }
  } else {
    let E = P.experts;
    for (var e = 0u; e < E; e++) {
      let r = ecRow[t * E + e];
      if (r == 0u) { continue; }
      let w = S[t * E + e] * P.routeScale;
      let y = (r - 1u) * d4;
      for (var c = c0; c < c1; c++) { outY[o + c] += w * Y[y + c]; }
    }
  }
  if (P.sharedExperts > 0u) {
    for (var c = c0; c < c1; c++) { outY[o + c] += Ysh[o + c]; }
  }
}
