// Router GEMM, vec4 path (d and E multiples of 4): logits[T, E] = X[T, d] · W_r[d, E], a 4×4 block per
// invocation straight from storage (see gemmVec4.wgsl). Also the device micro-benchmark's matmul.
//!include params
//!include gemmVec4

@group(0) @binding(1) var<storage, read> X: array<vec4f>;
@group(0) @binding(2) var<storage, read> W: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> L: array<vec4f>;

// Tile sizes: pipeline constants from the runner (VEC4_TILE in src/gpu/planner.ts).
override TM: u32;
override TN: u32;
override WGX: u32 = TN / 4u;
override WGY: u32 = TM / 4u;

@compute @workgroup_size(WGX, WGY)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let M = P.tokens;
  let K4 = P.dModel / 4u;
  let N4 = P.experts / 4u;
  let r0 = wid.y * TM + lid.y * 4u;
  let c4 = wid.x * WGX + lid.x;
  if (r0 >= M || c4 >= N4) { return; }
  // Rows past M repeat the last row (their results are not stored).
  let x0 = r0 * K4;
  let x1 = min(r0 + 1u, M - 1u) * K4;
  let x2 = min(r0 + 2u, M - 1u) * K4;
  let x3 = min(r0 + 3u, M - 1u) * K4;
  var acc: Acc4;
  for (var k4 = 0u; k4 < K4; k4++) {
    let w = 4u * k4 * N4 + c4;
    fma4(&acc, X[x0 + k4], X[x1 + k4], X[x2 + k4], X[x3 + k4],
         W[w], W[w + N4], W[w + 2u * N4], W[w + 3u * N4]);
  }
  L[r0 * N4 + c4] = acc.r0;
  if (r0 + 1u < M) { L[(r0 + 1u) * N4 + c4] = acc.r1; }
  if (r0 + 2u < M) { L[(r0 + 2u) * N4 + c4] = acc.r2; }
  if (r0 + 3u < M) { L[(r0 + 3u) * N4 + c4] = acc.r3; }
}
