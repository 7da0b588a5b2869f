// Expert FFN, down projection (grouped GEMM over expert segments): Y[r, :] = H[r, :] · W2[e] for every
// dispatched row r of expert e (padding rows have zero H, so zero Y). Dense mode runs a shared expert over all
// tokens and can accumulate into Y. TM, TN, TK, RM, RN are prepended by the TS runner.
//!include params

@group(0) @binding(1) var<storage, read> H: array<f32>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
@group(0) @binding(3) var<storage, read> W2: array<f32>;
@group(0) @binding(4) var<storage, read_write> Y: array<f32>;
@group(0) @binding(5) var<uniform> FP: FfnParams;

//!include ffnCommon

const WGX: u32 = TN / RN;
const WGY: u32 = TM / RM;
const NT: u32 = WGX * WGY;

var<workgroup> As: array<f32, TM * TK>;
var<workgroup> Bs: array<f32, TK * TN>;

@compute @workgroup_size(WGX, WGY)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let K = FP.ffn;
  let N = P.dModel;
  let tile = findTile(wid.y + wid.z * nwg.y, TM);
  let col0 = wid.x * TN;
  let wBase = tile.expert * K * N;
  var acc: array<f32, RM * RN>;
  for (var k0 = 0u; k0 < K; k0 += TK) {
    for (var i = li; i < TM * TK; i += NT) {
      let r = tile.rowStart + i / TK;
      let c = k0 + i % TK;
      var v = 0.0;
      if (tile.valid && r < tile.rowEnd && c < K) { v = H[r * K + c]; }
      As[i] = v;
    }
    for (var i = li; i < TK * TN; i += NT) {
      let r = k0 + i / TN;
      let c = col0 + i % TN;
      var v = 0.0;
      if (tile.valid && r < K && c < N) { v = W2[wBase + r * N + c]; }
      Bs[i] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var b: array<f32, RN>;
      for (var j = 0u; j < RN; j++) { b[j] = Bs[kk * TN + lid.x + j * WGX]; }
      for (var i = 0u; i < RM; i++) {
        let a = As[(lid.y + i * WGY) * TK + kk];
        for (var j = 0u; j < RN; j++) { acc[i * RN + j] += a * b[j]; }
      }
    }
    workgroupBarrier();
  }
  if (!tile.valid) { return; }
  let rowsCap = arrayLength(&Y) / max(N, 1u);
  for (var i = 0u; i < RM; i++) {
    let r = tile.rowStart + lid.y + i * WGY;
    for (var j = 0u; j < RN; j++) {
      let c = col0 + lid.x + j * WGX;
      if (r < tile.rowEnd && r < rowsCap && c < N) {
        if (FP.accumulate == 1u) {
          Y[r * N + c] += acc[i * RN + j];
        } else {
          Y[r * N + c] = acc[i * RN + j];
        }
      }
    }
  }
}
