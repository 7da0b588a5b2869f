// Scatter, step 2a: bitonic sort inside 512-element chunks in shared memory. full = 1 runs every stage of sizes
// 2..512 (chunks alternate direction, ready for global merges); full = 0 finishes a merge of `size` for the
// strides below the chunk (256..1). Deterministic: keys are a total order.
//!include params
//!include linearId
//!include sortKey

struct SortStep {
  size: u32,
  stride: u32,
  full: u32,
  pad: u32,
}

@group(0) @binding(1) var<storage, read_write> keys: array<vec4u>;
@group(0) @binding(2) var<uniform> step: SortStep;

override CHUNK: u32;               // elements per workgroup (SORT_CHUNK, pipeline constant)
override WG: u32 = CHUNK / 2u;     // one compare-swap per invocation

var<workgroup> sh: array<vec4u, CHUNK>;

fn compareSwap(base: u32, size: u32, stride: u32, li: u32) {
  let i = 2u * stride * (li / stride) + li % stride;
  let j = i + stride;
  let asc = ((base + i) & size) == 0u;
  let a = sh[i];
  let b = sh[j];
  if ((asc && keyLess(b, a)) || (!asc && keyLess(a, b))) {
    sh[i] = b;
    sh[j] = a;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let base = linearWorkgroup(wid, nwg) * CHUNK;
  let n = min(P.sortSize, arrayLength(&keys));
  let valid = base + CHUNK <= n;
  var a = vec4u(0xffffffffu);
  var b = vec4u(0xffffffffu);
  if (valid) {
    a = keys[base + li];
    b = keys[base + li + WG];
  }
  sh[li] = a;
  sh[li + WG] = b;
  workgroupBarrier();
  if (step.full == 1u) {
    for (var size = 2u; size <= CHUNK; size *= 2u) {
      for (var stride = size / 2u; stride > 0u; stride /= 2u) {
        compareSwap(base, size, stride, li);
        workgroupBarrier();
      }
    }
  } else {
    for (var stride = CHUNK / 2u; stride > 0u; stride /= 2u) {
      compareSwap(base, step.size, stride, li);
      workgroupBarrier();
    }
  }
  if (valid) {
    keys[base + li] = sh[li];
    keys[base + li + WG] = sh[li + WG];
  }
}
