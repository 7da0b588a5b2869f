// Device micro-benchmark: a streaming copy (vec4 loads and stores), for this device's memory bandwidth.
@group(0) @binding(0) var<storage, read> src: array<vec4f>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4f>;

override WG: u32; // invocations per workgroup (pipeline constant from the runner)

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + li;
  if (i < arrayLength(&dst) && i < arrayLength(&src)) { dst[i] = src[i]; }
}
