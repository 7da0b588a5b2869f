// Shared snippet for offsets.wgsl and offsetsSubgroup.wgsl: per-expert sizes and the final writes.
// Expert-choice mode sets counts[e] = kept[e] = capacity.
@group(0) @binding(1) var<storage, read_write> counts: array<u32>;
@group(0) @binding(2) var<storage, read_write> info: array<u32>;
@group(0) @binding(3) var<storage, read_write> args: array<u32>;

// Pipeline constants from the runner (src/gpu/kernels/offsets.ts).
override WG: u32;      // invocations of the one workgroup
override Y_LIMIT: u32; // largest y of the FFN's indirect grid before it spills into z

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

// Experts [e0, e1) of one invocation: their sum, for the scan.
fn localSum(e0: u32, e1: u32) -> vec3u {
  var local = vec3u(0u);
  for (var e = e0; e < e1; e++) { local += sizes(e).v; }
  return local;
}

// Write segment starts from the invocation's exclusive prefix `run`.
fn writeStarts(e0: u32, e1: u32, start: vec3u) {
  let E = P.experts;
  var run = start;
  for (var e = e0; e < e1; e++) {
    let s = sizes(e);
    info[e] = run.x;
    info[E + 1u + e] = s.kept;
    info[2u * E + 1u + e] = run.y;
    info[3u * E + 1u + e] = run.z;
    run += s.v;
  }
}

// Totals and the expert FFN's indirect dispatch arguments.
fn writeTotals(total: vec3u) {
  let E = P.experts;
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
