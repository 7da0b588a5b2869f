// Router GEMM fused with the gate (vec4 path: d and E multiples of 4, E ≤ 4·FX): a workgroup computes the logits
// of FT tokens for every expert as 4×4 vec4 register blocks (the routerGemmVec4 loop), stores them (results
// report the logits), then — after one storage + workgroup barrier — FT of its invocations run the gate on those
// rows (gateCore.wgsl). One pass instead of two; the logits come back from cache, not a second pass over memory.
//!include params
//!include gemmVec4

@group(0) @binding(1) var<storage, read_write> L: array<vec4f>;

fn logitAt(i: u32) -> f32 {
  let v = L[i / 4u];
  return v[i % 4u];
}

//!include gateCore

@group(0) @binding(7) var<storage, read> X: array<vec4f>;
@group(0) @binding(8) var<storage, read> W: array<vec4f>;

// FX column blocks of 4 experts × FY row blocks of 4 tokens: E ≤ 64, 16 tokens per workgroup.
// Pipeline constants from the runner (src/gpu/kernels/gate.ts): FX vec4 expert columns, FY 4-token rows.
override FX: u32;
override FY: u32;
override FT: u32 = 4u * FY; // tokens per workgroup

@compute @workgroup_size(FX, FY)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let M = P.tokens;
  let K4 = P.dModel / 4u;
  let N4 = P.experts / 4u;
  let tile = wid.x + wid.y * nwg.x;
  let r0 = tile * FT + lid.y * 4u;
  let c4 = lid.x;
  // No early return before the barrier: a validity flag instead.
  if (r0 < M && c4 < N4 && (r0 + 1u) * N4 <= arrayLength(&L)) {
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
  storageBarrier();
  workgroupBarrier();
  if (li < FT) { gateToken(tile * FT + li); }
}
