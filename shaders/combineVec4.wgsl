// Combine, vec4 path (token-choice, k ≤ 8, d a multiple of 4): the same sums as combine.wgsl in the same fixed
// order (slots ascending, shared experts last). One invocation per token and run of up to CB vec4 columns; the
// token's positions and weights sit in registers and each output is written once. Lean on purpose: on software
// adapters branches and dynamically indexed vectors inside the column loop cost more than the loads, so a
// dropped or unused slot reads row 0 (always allocated) and select() discards it (a non-finite row cannot leak
// in). Expert-choice mode and k > 8 use combine.wgsl.
//!include params
//!include linearId

@group(0) @binding(1) var<storage, read> wts: array<f32>;
@group(0) @binding(2) var<storage, read> positions: array<i32>;
@group(0) @binding(3) var<storage, read> Y: array<vec4f>;
@group(0) @binding(4) var<storage, read> Ysh: array<vec4f>;
@group(0) @binding(5) var<storage, read_write> outY: array<vec4f>;

// Pipeline constants from the runner (src/gpu/kernels/combine.ts).
override WG: u32;    // invocations per workgroup
override CB: u32;    // vec4 columns per invocation
override MAX_K: u32; // slots held in registers (two groups of four)

struct Slots { p: vec4i, w: vec4f }

// Positions (−1 = dropped or unused) and weights of slots first..first+3 of a token with k slots at `base`.
fn slots(base: u32, k: u32, first: u32) -> Slots {
  let j = vec4u(first) + vec4u(0u, 1u, 2u, 3u);
  let i = base + min(j, vec4u(k - 1u));
  let p = select(vec4i(-1), vec4i(positions[i.x], positions[i.y], positions[i.z], positions[i.w]), j < vec4u(k));
  return Slots(p, vec4f(wts[i.x], wts[i.y], wts[i.z], wts[i.w]));
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let i = linearWorkgroup(wid, nwg) * WG + li;
  let d4 = P.dModel / 4u;
  let runs = (d4 + CB - 1u) / CB;
  let t = i / runs;
  let k = P.topK;
  if (t >= P.tokens || k == 0u || k > MAX_K) { return; }
  let c0 = (i - t * runs) * CB;
  let c1 = min(c0 + CB, d4);
  let o = t * d4;
  if (o + c1 > arrayLength(&outY) || t * k + k > arrayLength(&positions)) { return; }
  let a = slots(t * k, k, 0u);
  let pa = a.p;
  let wa = a.w;
  let ya = vec4u(max(pa, vec4i(0))) * d4;
  let ona = pa >= vec4i(0);
  let withShared = P.sharedExperts > 0u;
  if (k <= 2u) {
    for (var c = c0; c < c1; c++) {
      var acc = select(vec4f(0.0), wa.x * Y[ya.x + c], ona.x);
      acc += select(vec4f(0.0), wa.y * Y[ya.y + c], ona.y);
      if (withShared) { acc += Ysh[o + c]; }
      outY[o + c] = acc;
    }
  } else if (k <= 4u) {
    for (var c = c0; c < c1; c++) {
      var acc = select(vec4f(0.0), wa.x * Y[ya.x + c], ona.x);
      acc += select(vec4f(0.0), wa.y * Y[ya.y + c], ona.y);
      acc += select(vec4f(0.0), wa.z * Y[ya.z + c], ona.z);
      acc += select(vec4f(0.0), wa.w * Y[ya.w + c], ona.w);
      if (withShared) { acc += Ysh[o + c]; }
      outY[o + c] = acc;
    }
  } else {
    let b = slots(t * k, k, 4u);
    let pb = b.p;
    let wb = b.w;
    let yb = vec4u(max(pb, vec4i(0))) * d4;
    let onb = pb >= vec4i(0);
    for (var c = c0; c < c1; c++) {
      var acc = select(vec4f(0.0), wa.x * Y[ya.x + c], ona.x);
      acc += select(vec4f(0.0), wa.y * Y[ya.y + c], ona.y);
      acc += select(vec4f(0.0), wa.z * Y[ya.z + c], ona.z);
      acc += select(vec4f(0.0), wa.w * Y[ya.w + c], ona.w);
      acc += select(vec4f(0.0), wb.x * Y[yb.x + c], onb.x);
      acc += select(vec4f(0.0), wb.y * Y[yb.y + c], onb.y);
      acc += select(vec4f(0.0), wb.z * Y[yb.z + c], onb.z);
      acc += select(vec4f(0.0), wb.w * Y[yb.w + c], onb.w);
      if (withShared) { acc += Ysh[o + c]; }
      outY[o + c] = acc;
    }
  }
}
