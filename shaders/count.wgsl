// Count: tokens per expert. Each workgroup builds a private histogram in shared memory, then merges its non-zero
// bins into the global counters with atomics. The global counters are cleared before this pass (clearBuffer).
//!include params
//!include linearId

@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read_write> counts: array<atomic<u32>>;

const WG: u32 = 256u;
const ITEMS: u32 = 16u;
const MAX_E: u32 = 1024u;

var<workgroup> hist: array<atomic<u32>, MAX_E>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let n = P.tokens * P.topK;
  let E = min(P.experts, MAX_E);
  let base = linearWorkgroup(wid, nwg) * WG * ITEMS;
  for (var i = 0u; i < ITEMS; i++) {
    let idx = base + i * WG + li;
    if (idx < n) {
      let e = ids[idx];
      if (e < E) { atomicAdd(&hist[e], 1u); }
    }
  }
  workgroupBarrier();
  for (var e = li; e < E; e += WG) {
    let c = atomicLoad(&hist[e]);
    if (c > 0u && e < arrayLength(&counts)) { atomicAdd(&counts[e], c); }
  }
}
