// Expert FFN up projection shaped for decode (few rows per expert), GEMV-style: one workgroup per
// (expert, slice of 4·WG output columns), so each expert's W1 and W3 stream once per block of 4 rows, and an
// empty expert's workgroups return at once (no tile list, no idle invocations past a segment's end). An invocation
// keeps 4 rows × 4 columns of both projections in registers and reads x four k at a time: every weight read feeds
// 4 rows, every x read 4 columns. No workgroup memory and no barriers (a barrier is a context switch on a software
// adapter, see gemmVec4.wgsl; on a GPU the x reads of a workgroup hit the same cache lines). d, f multiples of 4.
//   H[r, :] = silu(x_t · W1[e]) ⊙ (x_t · W3[e]),  t = rowToken[r] − 1 (0: padding row, H row zero),
// for the rows [offsets[e], offsets[e+1]) of expert e (from the offsets kernel). Grid: (column slices, E).
//!include params

@group(0) @binding(1) var<storage, read> X: array<vec4f>;
@group(0) @binding(2) var<storage, read> rowToken: array<u32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;
@group(0) @binding(4) var<storage, read> W1: array<vec4f>;
@group(0) @binding(5) var<storage, read> W3: array<vec4f>;
@group(0) @binding(6) var<storage, read_write> H: array<vec4f>;

// Pipeline constants from the runner (src/gpu/kernels/ffnGemv.ts).
override WG: u32; // invocations per workgroup, one vec4 column group each

fn tokenOf(r: u32, rowEnd: u32) -> u32 {
  if (r >= rowEnd) { return 0u; }
  return rowToken[r];
}

fn swiglu(g: vec4f, u: vec4f) -> vec4f {
  return vec4f(silu(g.x), silu(g.y), silu(g.z), silu(g.w)) * u;
}

fn silu(z: f32) -> f32 {
  return z / (1.0 + exp(-z));
}

fn put(r: u32, c4: u32, N4: u32, rowEnd: u32, v: vec4f) {
  if (r < rowEnd) { H[r * N4 + c4] = v; }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let e = wid.y;
  let K4 = P.dModel / 4u;
  let N4 = P.ffn / 4u;
  let ca = wid.x * WG + li;
  if (ca >= N4) { return; }
  let rowStart = info[e];
  let rowEnd = info[e + 1u];
  let wBase = e * K4 * 4u * N4;
  for (var r0 = rowStart; r0 < rowEnd; r0 += 4u) {
    let t0 = tokenOf(r0, rowEnd);
    let t1 = tokenOf(r0 + 1u, rowEnd);
    let t2 = tokenOf(r0 + 2u, rowEnd);
    let t3 = tokenOf(r0 + 3u, rowEnd);
    // Padding rows read token 0's x; their result is multiplied by 0.
    let x0 = (max(t0, 1u) - 1u) * K4;
    let x1 = (max(t1, 1u) - 1u) * K4;
    let x2 = (max(t2, 1u) - 1u) * K4;
    let x3 = (max(t3, 1u) - 1u) * K4;
    var g0 = vec4f(0.0);
    var g1 = vec4f(0.0);
    var g2 = vec4f(0.0);
    var g3 = vec4f(0.0);
    var u0 = vec4f(0.0);
    var u1 = vec4f(0.0);
    var u2 = vec4f(0.0);
    var u3 = vec4f(0.0);
    for (var k4 = 0u; k4 < K4; k4++) {
      let a0 = X[x0 + k4];
      let a1 = X[x1 + k4];
      let a2 = X[x2 + k4];
      let a3 = X[x3 + k4];
      let w = wBase + 4u * k4 * N4 + ca;
      let p0 = W1[w];
      let p1 = W1[w + N4];
      let p2 = W1[w + 2u * N4];
      let p3 = W1[w + 3u * N4];
      g0 += a0.x * p0 + a0.y * p1 + a0.z * p2 + a0.w * p3;
      g1 += a1.x * p0 + a1.y * p1 + a1.z * p2 + a1.w * p3;
      g2 += a2.x * p0 + a2.y * p1 + a2.z * p2 + a2.w * p3;
      g3 += a3.x * p0 + a3.y * p1 + a3.z * p2 + a3.w * p3;
      let q0 = W3[w];
      let q1 = W3[w + N4];
      let q2 = W3[w + 2u * N4];
      let q3 = W3[w + 3u * N4];
      u0 += a0.x * q0 + a0.y * q1 + a0.z * q2 + a0.w * q3;
      u1 += a1.x * q0 + a1.y * q1 + a1.z * q2 + a1.w * q3;
      u2 += a2.x * q0 + a2.y * q1 + a2.z * q2 + a2.w * q3;
      u3 += a3.x * q0 + a3.y * q1 + a3.z * q2 + a3.w * q3;
    }
    let m = vec4f(vec4u(t0, t1, t2, t3) > vec4u(0u));
    put(r0, ca, N4, rowEnd, swiglu(g0, u0) * m.x);
    put(r0 + 1u, ca, N4, rowEnd, swiglu(g1, u1) * m.y);
    put(r0 + 2u, ca, N4, rowEnd, swiglu(g2, u2) * m.z);
    put(r0 + 3u, ca, N4, rowEnd, swiglu(g3, u3) * m.w);
  }
}
