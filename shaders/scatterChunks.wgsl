// Scatter, position policy (token-choice): one invocation per chunk of pairs, in pair order. hist[e, c] holds
// the rank of chunk c's first pair of expert e inside e's token order (countScan.wgsl), so each pair's rank is
// a running counter: the first kept[e] get rows offsets[e] + rank, the rest are dropped (position -1). Writes
// the row -> token map (token + 1; 0 marks a padding row). O(T·k) work, no sort, no atomics; ids are read and
// positions written four at a time (both buffers are padded to 16 bytes). Branch-free, because branches cost
// more than stores on software adapters: a dropped pair writes its token to the spare row rowsMax (allocated,
// never read) and a pair past the end or with an invalid id adds 0 to a valid counter.
//!include params
//!include linearId

@group(0) @binding(1) var<storage, read> ids: array<vec4u>;
@group(0) @binding(2) var<storage, read_write> hist: array<u32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;
@group(0) @binding(4) var<storage, read_write> positions: array<vec4i>;
@group(0) @binding(5) var<storage, read_write> rowToken: array<u32>;

override WG: u32; // invocations per workgroup (pipeline constant from the runner)

// The row of pair p (expert e, clamped valid) or -1 if it is dropped or not live; advances e's rank in chunk c.
fn place(e: u32, live: bool, p: u32, c: u32) -> i32 {
  let E = P.experts;
  let h = e * P.chunks + c;
  let rank = hist[h];
  hist[h] = rank + select(0u, 1u, live);
  let r = info[e] + rank;
  let keep = live && rank < info[E + 1u + e] && r < P.rowsMax;
  rowToken[select(P.rowsMax, r, keep)] = p / P.topK + 1u;
  return select(-1, i32(r), keep);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let c = linearWorkgroup(wid, nwg) * WG + li;
  let E = P.experts;
  if (c >= P.chunks || E * P.chunks > arrayLength(&hist) || P.rowsMax >= arrayLength(&rowToken)) { return; }
  let n = min(P.tokens * P.topK, min(arrayLength(&ids), arrayLength(&positions)) * 4u);
  let p0 = c * P.chunkSize;
  let p1 = min(p0 + P.chunkSize, n);
  for (var p = p0; p < p1; p += 4u) {
    let v = ids[p / 4u];
    let live = (vec4u(p) + vec4u(0u, 1u, 2u, 3u) < vec4u(p1)) & (v < vec4u(E));
    let e = min(v, vec4u(E - 1u));
    // One statement per pair: two pairs of the same expert must take their ranks in order.
    let x = place(e.x, live.x, p, c);
    let y = place(e.y, live.y, p + 1u, c);
    let z = place(e.z, live.z, p + 2u, c);
    let w = place(e.w, live.w, p + 3u, c);
    positions[p / 4u] = vec4i(x, y, z, w);
  }
}
