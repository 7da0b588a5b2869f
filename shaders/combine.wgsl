// Combine: out[t, c] = Σ_j weight[t, j] · Y[positions[t, j], c] over slots j ascending (dropped slots add
// nothing) — or, in expert-choice mode, Σ over experts ascending of score·routeScale · Y[row] — plus the summed
// shared experts. One invocation per output element; a fixed order makes results reproducible.
//!include params
//!include linearId

@group(0) @binding(1) var<storage, read> wts: array<f32>;
@group(0) @binding(2) var<storage, read> positions: array<i32>;
@group(0) @binding(3) var<storage, read> Y: array<f32>;
@group(0) @binding(4) var<storage, read> Ysh: array<f32>;
@group(0) @binding(5) var<storage, read_write> outY: array<f32>;
@group(0) @binding(6) var<storage, read> S: array<f32>;
@group(0) @binding(7) var<storage, read> ecRow: array<u32>;

override WG: u32; // invocations per workgroup (pipeline constant from the runner)

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let i = linearWorkgroup(wid, nwg) * WG + li;
  let d = P.dModel;
  if (i >= P.tokens * d || i >= arrayLength(&outY)) { return; }
  let t = i / d;
  let c = i % d;
  var acc = 0.0;
  if (P.mode == 0u) {
    let k = P.topK;
    for (var j = 0u; j < k; j++) {
      let p = positions[t * k + j];
      if (p >= 0) { acc += wts[t * k + j] * Y[u32(p) * d + c]; }
    }
  } else {
    let E = P.experts;
    for (var e = 0u; e < E; e++) {
      let r = ecRow[t * E + e];
      if (r > 0u) { acc += (S[t * E + e] * P.routeScale) * Y[(r - 1u) * d + c]; }
    }
  }
  if (P.sharedExperts > 0u) { acc += Ysh[i]; }
  outY[i] = acc;
}
