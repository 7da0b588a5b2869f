// Offsets, one workgroup: capacity, block padding and three exclusive scans over the experts at once
// (padded rows → segment starts, pre-capacity counts → sort segment starts, FFN tiles → tile list), then the
// indirect dispatch arguments of the expert FFN. A plain reduce-then-scan in shared memory: no spin-waits.
// Expert-choice mode sets counts[e] = kept[e] = capacity.
//!include params

@group(0) @binding(1) var<storage, read_write> counts: array<u32>;
@group(0) @binding(2) var<storage, read_write> info: array<u32>;
@group(0) @binding(3) var<storage, read_write> args: array<u32>;

const WG: u32 = 256u;
const Y_LIMIT: u32 = 32768u;

var<workgroup> sc: array<vec3u, WG>;

struct Sizes {
  kept: u32,
  v: vec3u, // padded rows, sort segment size, FFN tiles
}

fn sizes(e: u32) -> Sizes {
  var c = 0u;
  if (P.mode == 1u) {
    c = P.capacity;
    counts[e] = c;
  } else {
    c = counts[e];
  }
  var kept = c;
  if (P.capacity > 0u) { kept = min(c, P.capacity); }
  let B = max(P.blockSize, 1u);
  let padded = ((kept + B - 1u) / B) * B;
  var seg = c;
  if (P.mode == 1u) { seg = P.tokens; }
  let tiles = (padded + P.ffnTileRows - 1u) / P.ffnTileRows;
  var s: Sizes;
  s.kept = kept;
  s.v = vec3u(padded, seg, tiles);
  return s;
}

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32) {
  let E = P.experts;
  let per = (E + WG - 1u) / WG;
  let e0 = min(li * per, E);
  let e1 = min(e0 + per, E);
  var local = vec3u(0u);
  for (var e = e0; e < e1; e++) { local += sizes(e).v; }
  sc[li] = local;
  workgroupBarrier();
  // Hillis–Steele inclusive scan over the per-invocation sums.
  for (var step = 1u; step < WG; step *= 2u) {
    var v = sc[li];
    if (li >= step) { v += sc[li - step]; }
    workgroupBarrier();
    sc[li] = v;
    workgroupBarrier();
  }
  var run = sc[li] - local;
  for (var e = e0; e < e1; e++) {
    let s = sizes(e);
    info[e] = run.x;
    info[E + 1u + e] = s.kept;
    info[2u * E + 1u + e] = run.y;
    info[3u * E + 1u + e] = run.z;
    run += s.v;
  }
  if (li == WG - 1u) {
    let total = sc[li];
    info[E] = total.x;
    info[4u * E + 1u] = total.z;
    let y = min(total.z, Y_LIMIT);
    let z = (total.z + Y_LIMIT - 1u) / Y_LIMIT;
    args[0] = P.ffnTileColsUp;
    args[1] = y;
    args[2] = z;
    args[3] = P.ffnTileColsDown;
    args[4] = y;
    args[5] = z;
  }
}
