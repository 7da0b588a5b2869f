// Expert FFN, up projection (grouped GEMM over expert segments): for every dispatched row r of expert e,
// H[r, :] = silu(x_t · W1[e]) ⊙ (x_t · W3[e]) where t = rowToken[r] − 1 (0 marks a padding row: its x is zero,
// so its H row is zero). Tiled like router_gemm; tile list and dispatch size come from the offsets kernel
// (indirect dispatch), so no host round trip. TM, TN, TK, RM, RN are prepended by the TS runner.
//!include params

@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> rowToken: array<u32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;
@group(0) @binding(4) var<storage, read> W1: array<f32>;
@group(0) @binding(5) var<storage, read> W3: array<f32>;
@group(0) @binding(6) var<storage, read_write> H: array<f32>;
@group(0) @binding(7) var<uniform> FP: FfnParams;

//!include ffnCommon

const WGX: u32 = TN / RN;
const WGY: u32 = TM / RM;
const NT: u32 = WGX * WGY;

var<workgroup> As: array<f32, TM * TK>;
var<workgroup> B1s: array<f32, TK * TN>;
var<workgroup> B3s: array<f32, TK * TN>;

@compute @workgroup_size(WGX, WGY)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let K = P.dModel;
  let N = FP.ffn;
  let tile = findTile(wid.y + wid.z * nwg.y, TM);
  let col0 = wid.x * TN;
  let wBase = tile.expert * K * N;
  var acc1: array<f32, RM * RN>;
  var acc3: array<f32, RM * RN>;
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
    for (var i = li; i < TK * TN; i += NT) {
      let r = k0 + i / TN;
      let c = col0 + i % TN;
      var v1 = 0.0;
      var v3 = 0.0;
      if (tile.valid && r < K && c < N) {
        v1 = W1[wBase + r * N + c];
        v3 = W3[wBase + r * N + c];
      }
      B1s[i] = v1;
      B3s[i] = v3;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var b1: array<f32, RN>;
      var b3: array<f32, RN>;
      for (var j = 0u; j < RN; j++) {
        b1[j] = B1s[kk * TN + lid.x + j * WGX];
        b3[j] = B3s[kk * TN + lid.x + j * WGX];
      }
      for (var i = 0u; i < RM; i++) {
        let a = As[(lid.y + i * WGY) * TK + kk];
        for (var j = 0u; j < RN; j++) {
          acc1[i * RN + j] += a * b1[j];
          acc3[i * RN + j] += a * b3[j];
        }
      }
    }
    workgroupBarrier();
  }
  if (!tile.valid) { return; }
  for (var i = 0u; i < RM; i++) {
    let r = tile.rowStart + lid.y + i * WGY;
    for (var j = 0u; j < RN; j++) {
      let c = col0 + lid.x + j * WGX;
      if (r < tile.rowEnd && r < arrayLength(&H) / max(N, 1u) && c < N) {
        H[r * N + c] = silu(acc1[i * RN + j]) * acc3[i * RN + j];
      }
    }
  }
}
