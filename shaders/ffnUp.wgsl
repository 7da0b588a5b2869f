// Expert FFN, up projection (grouped GEMM over expert segments): for every dispatched row r of expert e,
// H[r, :] = silu(x_t · W1[e]) ⊙ (x_t · W3[e]) where t = rowToken[r] − 1 (0 marks a padding row: its x is zero,
// so its H row is zero). Tiled like routerGemm (4×4 outputs per invocation in vec4 registers, for W1 and W3);
// the tile list and dispatch size come from the offsets kernel (indirect dispatch), so no host round trip.
// TM, TN (multiples of 4) and TK are pipeline constants from src/gpu/kernels/ffn.ts.
//!include params

@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> rowToken: array<u32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;
@group(0) @binding(4) var<storage, read> W1: array<f32>;
@group(0) @binding(5) var<storage, read> W3: array<f32>;
@group(0) @binding(6) var<storage, read_write> H: array<f32>;
@group(0) @binding(7) var<uniform> FP: FfnParams;

//!include ffnCommon

// Tile sizes: pipeline constants from the runner (GEMM_TILE in src/gpu/planner.ts).
override TM: u32;
override TN: u32;
override TK: u32;
override WGX: u32 = TN / 4u;
override WGY: u32 = TM / 4u;
override NT: u32 = WGX * WGY;

var<workgroup> As: array<f32, TM * TK>;
var<workgroup> B1s: array<vec4f, TK * WGX>;
var<workgroup> B3s: array<vec4f, TK * WGX>;

fn load4(W: ptr<storage, array<f32>, read>, base: u32, c: u32, N: u32) -> vec4f {
  var v = vec4f(0.0);
  if (c + 3u < N) {
    v = vec4f((*W)[base], (*W)[base + 1u], (*W)[base + 2u], (*W)[base + 3u]);
  } else {
    if (c < N) { v.x = (*W)[base]; }
    if (c + 1u < N) { v.y = (*W)[base + 1u]; }
    if (c + 2u < N) { v.z = (*W)[base + 2u]; }
  }
  return v;
}

@compute @workgroup_size(WGX, WGY)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let K = P.dModel;
  let N = FP.ffn;
  let tile = findTile(wid.y + wid.z * nwg.y, TM);
  let col0 = wid.x * TN;
  let wBase = tile.expert * K * N;
  var p0 = vec4f(0.0);
  var p1 = vec4f(0.0);
  var p2 = vec4f(0.0);
  var p3 = vec4f(0.0);
  var q0 = vec4f(0.0);
  var q1 = vec4f(0.0);
  var q2 = vec4f(0.0);
  var q3 = vec4f(0.0);
  for (var k0 = 0u; k0 < K; k0 += TK) {
    for (var i = li; i < TM * TK; i += NT) {
      let r = tile.rowStart + i / TK;
      let c = k0 + i % TK;
      var v = 0.0;
      if (tile.valid && r < tile.rowEnd && c < K) {
        var tok = r + 1u;
        if (FP.dense == 0u) { tok = rowToken[r]; }
        if (tok > 0u) { v = X[(tok - 1u) * K + c]; }
      }
      As[i] = v;
    }
    for (var i = li; i < TK * WGX; i += NT) {
      let r = k0 + i / WGX;
      let c = col0 + (i % WGX) * 4u;
      var v1 = vec4f(0.0);
      var v3 = vec4f(0.0);
      if (tile.valid && r < K) {
        v1 = load4(&W1, wBase + r * N + c, c, N);
        v3 = load4(&W3, wBase + r * N + c, c, N);
      }
      B1s[i] = v1;
      B3s[i] = v3;
    }
    workgroupBarrier();
    let a = lid.y * 4u * TK;
    for (var kk = 0u; kk < TK; kk++) {
      let b1 = B1s[kk * WGX + lid.x];
      let b3 = B3s[kk * WGX + lid.x];
      let a0 = As[a + kk];
      let a1 = As[a + TK + kk];
      let a2 = As[a + 2u * TK + kk];
      let a3 = As[a + 3u * TK + kk];
      p0 += a0 * b1;
      p1 += a1 * b1;
      p2 += a2 * b1;
      p3 += a3 * b1;
      q0 += a0 * b3;
      q1 += a1 * b3;
      q2 += a2 * b3;
      q3 += a3 * b3;
    }
    workgroupBarrier();
  }
  if (!tile.valid) { return; }
  let r = tile.rowStart + lid.y * 4u;
  let c = col0 + lid.x * 4u;
  store4(r, c, N, tile.rowEnd, swiglu(p0, q0));
  store4(r + 1u, c, N, tile.rowEnd, swiglu(p1, q1));
  store4(r + 2u, c, N, tile.rowEnd, swiglu(p2, q2));
  store4(r + 3u, c, N, tile.rowEnd, swiglu(p3, q3));
}

fn swiglu(g: vec4f, u: vec4f) -> vec4f {
  return vec4f(silu(g.x), silu(g.y), silu(g.z), silu(g.w)) * u;
}

fn store4(r: u32, c: u32, N: u32, rowEnd: u32, v: vec4f) {
  if (r >= rowEnd || (r + 1u) * N > arrayLength(&H)) { return; }
  let base = r * N + c;
  if (c < N) { H[base] = v.x; }
  if (c + 1u < N) { H[base + 1u] = v.y; }
  if (c + 2u < N) { H[base + 2u] = v.z; }
  if (c + 3u < N) { H[base + 3u] = v.w; }
}
