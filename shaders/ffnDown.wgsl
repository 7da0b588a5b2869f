// Expert FFN, down projection (grouped GEMM over expert segments): Y[r, :] = H[r, :] · W2[e] for every
// dispatched row r of expert e (padding rows have zero H, so zero Y). Dense mode runs a shared expert over all
// tokens and can accumulate into Y. Tiled like routerGemm; TM, TN, TK are pipeline constants from src/gpu/kernels/ffn.ts.
//!include params

@group(0) @binding(1) var<storage, read> H: array<f32>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
@group(0) @binding(3) var<storage, read> W2: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;
@group(0) @binding(5) var<uniform> FP: FfnParams;

//!include ffnCommon

// Tile sizes: pipeline constants from the runner (GEMM_TILE in src/gpu/planner.ts).
override TM: u32;
override TN: u32;
override TK: u32;
override WGX: u32 = TN / 4u;
override WGY: u32 = TM / 4u;
override NT: u32 = WGX * WGY;

var<workgroup> As: array<f32, TM * TK>;
var<workgroup> Bs: array<vec4f, TK * WGX>;

@compute @workgroup_size(WGX, WGY)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let K = FP.ffn;
  let N = P.dModel;
  let tile = findTile(wid.y + wid.z * nwg.y, TM);
  let col0 = wid.x * TN;
  let wBase = tile.expert * K * N;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k0 = 0u; k0 < K; k0 += TK) {
    for (var i = li; i < TM * TK; i += NT) {
      let r = tile.rowStart + i / TK;
      let c = k0 + i % TK;
      var v = 0.0;
      if (tile.valid && r < tile.rowEnd && c < K) { v = H[r * K + c]; }
      As[i] = v;
    }
    for (var i = li; i < TK * WGX; i += NT) {
      let r = k0 + i / WGX;
      let c = col0 + (i % WGX) * 4u;
      var v = vec4f(0.0);
      if (tile.valid && r < K) {
        let base = wBase + r * N + c;
        if (c + 3u < N) {
          v = vec4f(W2[base], W2[base + 1u], W2[base + 2u], W2[base + 3u]);
        } else {
          if (c < N) { v.x = W2[base]; }
          if (c + 1u < N) { v.y = W2[base + 1u]; }
          if (c + 2u < N) { v.z = W2[base + 2u]; }
        }
      }
      Bs[i] = v;
    }
    workgroupBarrier();
    let a = lid.y * 4u * TK;
    for (var kk = 0u; kk < TK; kk++) {
      let b = Bs[kk * WGX + lid.x];
      acc0 += As[a + kk] * b;
      acc1 += As[a + TK + kk] * b;
      acc2 += As[a + 2u * TK + kk] * b;
      acc3 += As[a + 3u * TK + kk] * b;
    }
    workgroupBarrier();
  }
  if (!tile.valid) { return; }
  let r = tile.rowStart + lid.y * 4u;
  let c = col0 + lid.x * 4u;
  store4(r, c, N, tile.rowEnd, acc0);
  store4(r + 1u, c, N, tile.rowEnd, acc1);
  store4(r + 2u, c, N, tile.rowEnd, acc2);
  store4(r + 3u, c, N, tile.rowEnd, acc3);
}

fn store4(r: u32, c: u32, N: u32, rowEnd: u32, v: vec4f) {
  if (r >= rowEnd || (r + 1u) * N > arrayLength(&Y)) { return; }
  let base = r * N + c;
  if (FP.accumulate == 1u) {
    if (c < N) { Y[base] += v.x; }
    if (c + 1u < N) { Y[base + 1u] += v.y; }
    if (c + 2u < N) { Y[base + 2u] += v.z; }
    if (c + 3u < N) { Y[base + 3u] += v.w; }
  } else {
    if (c < N) { Y[base] = v.x; }
    if (c + 1u < N) { Y[base + 1u] = v.y; }
    if (c + 2u < N) { Y[base + 2u] = v.z; }
    if (c + 3u < N) { Y[base + 3u] = v.w; }
  }
}
