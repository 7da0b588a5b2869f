// Scatter, step 3: after the sort, element p of expert e has rank p − segStart[e] inside e's order. The first
// kept[e] get rows offsets[e] + rank; the rest are dropped (position −1). Writes the dispatched row → token map
// (token + 1; 0 marks a padding row, so clearing the buffer to zero marks every row padding) and, in
// expert-choice mode, the chosen tokens and the (token, expert) → row + 1 map used by combine. Every store is
// bounds-guarded.
//!include params
//!include linearId

@group(0) @binding(1) var<storage, read> keys: array<vec4u>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
@group(0) @binding(3) var<storage, read_write> positions: array<i32>;
@group(0) @binding(4) var<storage, read_write> rowToken: array<u32>;
@group(0) @binding(5) var<storage, read_write> ecTokens: array<i32>;
@group(0) @binding(6) var<storage, read_write> ecRow: array<u32>;

override WG: u32; // invocations per workgroup (pipeline constant from the runner)

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let p = linearWorkgroup(wid, nwg) * WG + li;
  let E = P.experts;
  if (p >= P.sortValid || p >= arrayLength(&keys)) { return; }
  let key = keys[p];
  let e = key.x;
  if (e >= E) { return; }
  let idx = key.z;
  let rank = p - info[2u * E + 1u + e];
  let kept = info[E + 1u + e];
  let row = info[e] + rank;
  if (P.mode == 0u) {
    var pos = -1;
    if (rank < kept && row < P.rowsMax) {
      pos = i32(row);
      if (row < arrayLength(&rowToken)) { rowToken[row] = idx / P.topK + 1u; }
    }
    if (idx < arrayLength(&positions)) { positions[idx] = pos; }
  } else {
    let t = idx / E;
    if (rank < kept && row < P.rowsMax) {
      let c = e * P.capacity + rank;
      if (c < arrayLength(&ecTokens)) { ecTokens[c] = i32(t); }
      if (row < arrayLength(&rowToken)) { rowToken[row] = t + 1u; }
      if (idx < arrayLength(&ecRow)) { ecRow[idx] = row + 1u; }
    }
  }
}
