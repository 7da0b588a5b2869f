// Scatter, position policy (token-choice): one invocation per chunk of pairs, in pair order. hist[c, e] holds
// the rank of chunk c's first pair of expert e inside e's token order (countScan.wgsl), so each pair's rank is
// a running counter: the first kept[e] get rows offsets[e] + rank, the rest are dropped (position -1). Writes
// the row -> token map (token + 1; 0 marks a padding row). O(T·k) work, no sort, no atomics; every store is
// bounds-guarded.
//!include params
//!include linearId

@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read_write> hist: array<u32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;
@group(0) @binding(4) var<storage, read_write> positions: array<i32>;
@group(0) @binding(5) var<storage, read_write> rowToken: array<u32>;

const WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let c = linearWorkgroup(wid, nwg) * WG + li;
  let E = P.experts;
  if (c >= P.chunks || (c + 1u) * E > arrayLength(&hist)) { return; }
  let row = c * E;
  let n = min(min(P.tokens * P.topK, arrayLength(&ids)), arrayLength(&positions));
  let p0 = c * P.chunkSize;
  let p1 = min(p0 + P.chunkSize, n);
  let k = P.topK;
  for (var p = p0; p < p1; p++) {
    let e = ids[p];
    var pos = -1;
    if (e < E) {
      let rank = hist[row + e];
      hist[row + e] = rank + 1u;
      let r = info[e] + rank;
      if (rank < info[E + 1u + e] && r < P.rowsMax && r < arrayLength(&rowToken)) {
        pos = i32(r);
        rowToken[r] = p / k + 1u;
      }
    }
    positions[p] = pos;
  }
}
