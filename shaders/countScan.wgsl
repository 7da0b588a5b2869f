// Count, step 2 (token-choice): one invocation per expert walks its column of hist[chunks, E] in chunk order,
// replacing each entry by the exclusive prefix (the rank of the chunk's first pair inside the expert's token
// order) and writing the total to counts[e]. No atomics: counts are exact and the order is the token order.
//!include params
//!include linearId

@group(0) @binding(1) var<storage, read_write> hist: array<u32>;
@group(0) @binding(2) var<storage, read_write> counts: array<u32>;

const WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let e = linearWorkgroup(wid, nwg) * WG + li;
  let E = P.experts;
  if (e >= E || e >= arrayLength(&counts)) { return; }
  let chunks = min(P.chunks, arrayLength(&hist) / E);
  var run = 0u;
  for (var c = 0u; c < chunks; c++) {
    let i = c * E + e;
    let v = hist[i];
    hist[i] = run;
    run += v;
  }
  counts[e] = run;
}
