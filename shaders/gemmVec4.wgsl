// Shared snippet for the vec4 GEMMs (routerGemmVec4, ffnUpVec4, ffnDownVec4): every operand is bound as
// array<vec4f>, so the engine uses them only when the inner and outer sizes are multiples of 4. Each invocation
// keeps a 4×4 output block in four vec4 registers and streams its operands straight from storage, four k at a
// time: no workgroup memory and no barriers (on a software adapter shared memory is ordinary memory and a
// barrier is a context switch, so this runs ~3× faster there than the shared-memory tiles; see
// docs/BENCHMARKS.md). A workgroup still covers a TM×TN tile so the FFN's tile list and indirect dispatch are
// the same as the tiled path's.

struct Acc4 {
  r0: vec4f,
  r1: vec4f,
  r2: vec4f,
  r3: vec4f,
}

// acc.rI += a_I (one row's 4 k-values) · [b0; b1; b2; b3] (4 k-rows of 4 output columns).
fn fma4(acc: ptr<function, Acc4>, a0: vec4f, a1: vec4f, a2: vec4f, a3: vec4f,
        b0: vec4f, b1: vec4f, b2: vec4f, b3: vec4f) {
  (*acc).r0 += a0.x * b0 + a0.y * b1 + a0.z * b2 + a0.w * b3;
  (*acc).r1 += a1.x * b0 + a1.y * b1 + a1.z * b2 + a1.w * b3;
  (*acc).r2 += a2.x * b0 + a2.y * b1 + a2.z * b2 + a2.w * b3;
  (*acc).r3 += a3.x * b0 + a3.y * b1 + a3.z * b2 + a3.w * b3;
}
