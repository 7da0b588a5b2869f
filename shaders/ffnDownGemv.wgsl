// Expert FFN down projection shaped for decode (few rows per expert), GEMV-style like ffnUpGemv.wgsl:
//   Y[r, :] = H[r, :] · W2[e]  for the rows [offsets[e], offsets[e+1]) of expert e (padding rows: H zero).
// One workgroup per (expert, slice of output columns); an invocation keeps 4 rows × 4 columns in registers,
// reading H four k at a time (every weight read feeds 4 rows). Split-K (KS > 1): the workgroup's KS groups of
// invocations each sum a contiguous share of k for the same columns, and the partial sums meet in workgroup memory
// in a fixed order (results do not depend on timing); it gives a GPU more invocations when E × d / 4 columns are
// too few to fill it. With KS = 1 (software adapters, whose few cores the grid already fills) the reduction and
// its barriers never run.
//!include params
//!include gemmVec4

@group(0) @binding(1) var<storage, read> H: array<vec4f>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
@group(0) @binding(3) var<storage, read> W2: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> Y: array<vec4f>;

// Pipeline constants from the runner (src/gpu/kernels/ffnGemv.ts).
override WG: u32; // invocations per workgroup: WG / KS column invocations × KS shares of k
override KS: u32; // split-K shares
override COLS: u32 = WG / KS;

var<workgroup> partial: array<Acc4, WG>;

fn addAcc(a: Acc4, b: Acc4) -> Acc4 {
  return Acc4(a.r0 + b.r0, a.r1 + b.r1, a.r2 + b.r2, a.r3 + b.r3);
}

fn put(r: u32, c4: u32, N4: u32, rowEnd: u32, live: bool, v: vec4f) {
  if (live && r < rowEnd) { Y[r * N4 + c4] = v; }
}

fn store(r0: u32, c4: u32, N4: u32, rowEnd: u32, live: bool, acc: Acc4) {
  put(r0, c4, N4, rowEnd, live, acc.r0);
  put(r0 + 1u, c4, N4, rowEnd, live, acc.r1);
  put(r0 + 2u, c4, N4, rowEnd, live, acc.r2);
  put(r0 + 3u, c4, N4, rowEnd, live, acc.r3);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let e = wid.y;
  let K4 = P.ffn / 4u;
  let N4 = P.dModel / 4u;
  let col = li % COLS;
  let share = li / COLS;
  let c0 = wid.x * COLS + col;
  // Invocations past the last column compute column 0 and store nothing (barriers stay in uniform flow).
  let live = c0 < N4;
  let ca = select(0u, c0, live);
  let rowStart = info[e];
  let rowEnd = info[e + 1u];
  let last = max(rowEnd, 1u) - 1u;
  let wBase = e * K4 * 4u * N4;
  let per = (K4 + KS - 1u) / KS;
  let kA = min(share * per, K4);
  let kB = min(kA + per, K4);
  for (var r0 = rowStart; r0 < rowEnd; r0 += 4u) {
    // Rows past the segment read its last row again; they are not stored.
    let h0 = r0 * K4;
    let h1 = min(r0 + 1u, last) * K4;
    let h2 = min(r0 + 2u, last) * K4;
    let h3 = min(r0 + 3u, last) * K4;
    // Explicit zeros: a declaration without an initializer inside a loop was not re-zeroed per iteration here.
    var a = Acc4(vec4f(0.0), vec4f(0.0), vec4f(0.0), vec4f(0.0));
    for (var k4 = kA; k4 < kB; k4++) {
      let a0 = H[h0 + k4];
      let a1 = H[h1 + k4];
      let a2 = H[h2 + k4];
      let a3 = H[h3 + k4];
      let w = wBase + 4u * k4 * N4;
      fma4(&a, a0, a1, a2, a3, W2[w + ca], W2[w + N4 + ca], W2[w + 2u * N4 + ca], W2[w + 3u * N4 + ca]);
    }
    if (KS > 1u) {
      partial[li] = a;
      workgroupBarrier();
      if (share == 0u) {
        for (var s = 1u; s < KS; s++) { a = addAcc(a, partial[s * COLS + col]); }
      }
      workgroupBarrier();
    }
    if (share == 0u) {
      store(r0, ca, N4, rowEnd, live, a);
    }
  }
}
