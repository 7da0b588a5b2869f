// Count, step 1 (token-choice): one invocation per chunk of P.chunkSize consecutive (token, slot) pairs builds
// that chunk's histogram over the experts, serially, in its own row of hist[chunks, E] (zeroed first, so no
// clear pass and no atomics). Deterministic; the rows feed countScan.wgsl and scatterChunks.wgsl.
//!include params
//!include linearId

@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read_write> hist: array<u32>;

const WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let c = linearWorkgroup(wid, nwg) * WG + li;
  let E = P.experts;
  if (c >= P.chunks || (c + 1u) * E > arrayLength(&hist)) { return; }
  let row = c * E;
  for (var e = 0u; e < E; e++) { hist[row + e] = 0u; }
  let n = min(P.tokens * P.topK, arrayLength(&ids));
  let p0 = c * P.chunkSize;
  let p1 = min(p0 + P.chunkSize, n);
  for (var p = p0; p < p1; p++) {
    let e = ids[p];
    if (e < E) { hist[row + e] += 1u; }
  }
}
