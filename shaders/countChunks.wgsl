// Count, step 1 (token-choice): one invocation per chunk of P.chunkSize consecutive (token, slot) pairs builds
// that chunk's histogram over the experts, serially, in column c of hist[E, chunks] (expert-major, so the scan
// in countScan.wgsl reads each expert's row contiguously). Zeroed first, so no clear pass and no atomics.
// Ids are read four at a time (chunkSize is a multiple of 4; the ids buffer is padded to 16 bytes).
//!include params
//!include linearId

@group(0) @binding(1) var<storage, read> ids: array<vec4u>;
@group(0) @binding(2) var<storage, read_write> hist: array<u32>;

override WG: u32; // invocations per workgroup (pipeline constant from the runner)

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let c = linearWorkgroup(wid, nwg) * WG + li;
  let E = P.experts;
  let C = P.chunks;
  if (c >= C || E * C > arrayLength(&hist)) { return; }
  for (var e = 0u; e < E; e++) { hist[e * C + c] = 0u; }
  let n = min(P.tokens * P.topK, arrayLength(&ids) * 4u);
  let p0 = c * P.chunkSize;
  let p1 = min(p0 + P.chunkSize, n);
  for (var p = p0; p < p1; p += 4u) {
    let v = ids[p / 4u];
    let live = vec4u(p) + vec4u(0u, 1u, 2u, 3u) < vec4u(p1);
    let hit = live & (v < vec4u(E));
    // Branch-free: a miss adds 0 to a clamped (valid) entry, which is cheaper than four masked branches.
    let at = min(v, vec4u(E - 1u)) * C + c;
    hist[at.x] += select(0u, 1u, hit.x);
    hist[at.y] += select(0u, 1u, hit.y);
    hist[at.z] += select(0u, 1u, hit.z);
    hist[at.w] += select(0u, 1u, hit.w);
  }
}
