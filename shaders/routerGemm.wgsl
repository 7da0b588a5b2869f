// Router GEMM: logits[T, E] = X[T, d] · W_r[d, E]. Tiled in workgroup shared memory: a TM×TN output tile per
// workgroup, TK-deep slices of X and W staged in shared memory, a 4×4 block of outputs per invocation held in
// four vec4 registers (no dynamically indexed private arrays: SwiftShader spills those to memory).
// TM, TN (multiples of 4) and TK are pipeline constants from src/gpu/kernels/routerGemm.ts.
//!include params

@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read_write> L: array<f32>;

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
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let M = P.tokens;
  let N = P.experts;
  let K = P.dModel;
  let row0 = wid.y * TM;
  let col0 = wid.x * TN;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k0 = 0u; k0 < K; k0 += TK) {
    for (var i = li; i < TM * TK; i += NT) {
      let r = row0 + i / TK;
      let c = k0 + i % TK;
      var v = 0.0;
      if (r < M && c < K) { v = X[r * K + c]; }
      As[i] = v;
    }
    for (var i = li; i < TK * WGX; i += NT) {
      let r = k0 + i / WGX;
      let c = col0 + (i % WGX) * 4u;
      var v = vec4f(0.0);
      if (r < K) {
        let base = r * N + c;
        if (c + 3u < N) {
          v = vec4f(W[base], W[base + 1u], W[base + 2u], W[base + 3u]);
        } else {
          if (c < N) { v.x = W[base]; }
          if (c + 1u < N) { v.y = W[base + 1u]; }
          if (c + 2u < N) { v.z = W[base + 2u]; }
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
  let r = row0 + lid.y * 4u;
  let c = col0 + lid.x * 4u;
  store4(r, c, M, N, acc0);
  store4(r + 1u, c, M, N, acc1);
  store4(r + 2u, c, M, N, acc2);
  store4(r + 3u, c, M, N, acc3);
}

fn store4(r: u32, c: u32, M: u32, N: u32, v: vec4f) {
  if (r >= M) { return; }
  let base = r * N + c;
  if (c < N) { L[base] = v.x; }
  if (c + 1u < N) { L[base + 1u] = v.y; }
  if (c + 2u < N) { L[base + 2u] = v.z; }
  if (c + 3u < N) { L[base + 3u] = v.w; }
}
