// Combine, vec4 path (d a multiple of 4): the same sums as combine.wgsl in the same fixed order, four columns
// per invocation with vec4 loads and stores.
//!include params
//!include linearId

@group(0) @binding(1) var<storage, read> wts: array<f32>;
@group(0) @binding(2) var<storage, read> positions: array<i32>;
@group(0) @binding(3) var<storage, read> Y: array<vec4f>;
@group(0) @binding(4) var<storage, read> Ysh: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> outY: array<vec4f>;
@group(0) @binding(6) var<storage, read> S: array<f32>;
@group(0) @binding(7) var<storage, read> ecRow: array<u32>;

const WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let i = linearWorkgroup(wid, nwg) * WG + li;
  let d4 = P.dModel / 4u;
  if (i >= P.tokens * d4 || i >= arrayLength(&outY)) { return; }
  let t = i / d4;
  let c = i % d4;
  var acc = vec4f(0.0);
  if (P.mode == 0u) {
    let k = P.topK;
    for (var j = 0u; j < k; j++) {
      let p = positions[t * k + j];
      if (p >= 0) { acc += wts[t * k + j] * Y[u32(p) * d4 + c]; }
    }
  } else {
    let E = P.experts;
    for (var e = 0u; e < E; e++) {
      let r = ecRow[t * E + e];
      if (r > 0u) { acc += (S[t * E + e] * P.routeScale) * Y[(r - 1u) * d4 + c]; }
    }
  }
  if (P.sharedExperts > 0u) { acc += Ysh[i]; }
  outY[i] = acc;
}
