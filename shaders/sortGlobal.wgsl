// Scatter, step 2b: one global compare-and-swap stage of a bitonic merge (size, stride ≥ 512), for strides too
// wide for a workgroup's shared memory.
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

override WG: u32; // invocations per workgroup (pipeline constant from the runner)

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let tid = linearWorkgroup(wid, nwg) * WG + li;
  let n = min(P.sortSize, arrayLength(&keys));
  let stride = step.stride;
  let i = 2u * stride * (tid / stride) + tid % stride;
  let j = i + stride;
  if (j >= n) { return; }
  let asc = (i & step.size) == 0u;
  let a = keys[i];
  let b = keys[j];
  if ((asc && keyLess(b, a)) || (!asc && keyLess(a, b))) {
    keys[i] = b;
    keys[j] = a;
  }
}
