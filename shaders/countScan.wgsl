// Count, step 2 (token-choice): one invocation per expert walks its row of hist[E, chunks] in chunk order,
// replacing each entry by the exclusive prefix (the rank of the chunk's first pair inside the expert's token
// order) and writing the total to counts[e]. No atomics and no barriers (costly on software adapters): exact,
// in token order. Small workgroups spread the experts over every core.
//!include params
//!include linearId

@group(0) @binding(1) var<storage, read_write> hist: array<u32>;
@group(0) @binding(2) var<storage, read_write> counts: array<u32>;

override WG: u32; // invocations per workgroup (pipeline constant from the runner)

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let e = linearWorkgroup(wid, nwg) * WG + li;
  let C = P.chunks;
  if (e >= P.experts || e >= arrayLength(&counts) || (e + 1u) * C > arrayLength(&hist)) { return; }
  let row = e * C;
  var run = 0u;
  for (var c = 0u; c < C; c++) {
    let v = hist[row + c];
    hist[row + c] = run;
    run += v;
  }
  counts[e] = run;
}
