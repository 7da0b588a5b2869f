// Scatter, position policy (token-choice): one invocation per chunk of pairs, in pair order. hist[e, c] holds
// the rank of chunk c's first pair of expert e inside e's token order (countScan.wgsl), so each pair's rank is
// a running counter: the first kept[e] get rows offsets[e] + rank, the rest are dropped (position -1). Writes
// the row -> token map (token + 1; 0 marks a padding row). O(T·k) work, no sort, no atomics; ids are read and
// positions written four at a time (both buffers are padded to 16 bytes); every store is bounds-guarded.
//!include params
//!include linearId

@group(0) @binding(1) var<storage, read> ids: array<vec4u>;
@group(0) @binding(2) var<storage, read_write> hist: array<u32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;
@group(0) @binding(4) var<storage, read_write> positions: array<vec4i>;
@group(0) @binding(5) var<storage, read_write> rowToken: array<u32>;

const WG: u32 = 64u;

// The row of pair p (expert e) or -1 if it is dropped; advances e's running rank in this chunk.
fn place(e: u32, p: u32, c: u32) -> i32 {
  let E = P.experts;
  if (e >= E) { return -1; }
  let h = e * P.chunks + c;
  let rank = hist[h];
  hist[h] = rank + 1u;
  let r = info[e] + rank;
  if (rank < info[E + 1u + e] && r < P.rowsMax && r < arrayLength(&rowToken)) {
    rowToken[r] = p / P.topK + 1u;
    return i32(r);
  }
  return -1;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let c = linearWorkgroup(wid, nwg) * WG + li;
  if (c >= P.chunks || P.experts * P.chunks > arrayLength(&hist)) { return; }
  let n = min(P.tokens * P.topK, min(arrayLength(&ids), arrayLength(&positions)) * 4u);
  let p0 = c * P.chunkSize;
  let p1 = min(p0 + P.chunkSize, n);
  for (var p = p0; p < p1; p += 4u) {
    let v = ids[p / 4u];
    var pos = vec4i(-1);
    pos.x = place(v.x, p, c);
    if (p + 1u < p1) { pos.y = place(v.y, p + 1u, c); }
    if (p + 2u < p1) { pos.z = place(v.z, p + 2u, c); }
    if (p + 3u < p1) { pos.w = place(v.w, p + 3u, c); }
    positions[p / 4u] = pos;
  }
}
