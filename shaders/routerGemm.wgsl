// Router GEMM: logits[T, E] = X[T, d] · W_r[d, E]. Tiled in workgroup shared memory: a TM×TN output tile per
// workgroup, TK-deep slices of X and W staged in shared memory, RM×RN outputs per invocation.
// TM, TN, TK, RM, RN are compile-time constants prepended by the TS runner (src/gpu/kernels/routerGemm.ts).
//!include params

@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read_write> L: array<f32>;

const WGX: u32 = TN / RN;
const WGY: u32 = TM / RM;
const NT: u32 = WGX * WGY;

var<workgroup> As: array<f32, TM * TK>;
var<workgroup> Bs: array<f32, TK * TN>;

@compute @workgroup_size(WGX, WGY)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let M = P.tokens;
  let N = P.experts;
  let K = P.dModel;
  let row0 = wid.y * TM;
  let col0 = wid.x * TN;
  var acc: array<f32, RM * RN>;
  for (var k0 = 0u; k0 < K; k0 += TK) {
    for (var i = li; i < TM * TK; i += NT) {
      let r = row0 + i / TK;
      let c = k0 + i % TK;
      var v = 0.0;
      if (r < M && c < K) { v = X[r * K + c]; }
      As[i] = v;
    }
    for (var i = li; i < TK * TN; i += NT) {
      let r = k0 + i / TN;
      let c = col0 + i % TN;
      var v = 0.0;
      if (r < K && c < N) { v = W[r * N + c]; }
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
  for (var i = 0u; i < RM; i++) {
    let r = row0 + lid.y + i * WGY;
    for (var j = 0u; j < RN; j++) {
      let c = col0 + lid.x + j * WGX;
      if (r < M && c < N) { L[r * N + c] = acc[i * RN + j]; }
    }
  }
}
