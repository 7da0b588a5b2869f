// Shared snippet for the expert FFN kernels: which rows a workgroup's tile covers.
// Grouped mode: the tile list comes from the offsets kernel (tileOffsets = exclusive scan of ceil(padded_e/TM)),
// so a tile never straddles two experts. Dense mode (shared experts): row r is token r, one expert.
struct FfnParams {
  dense: u32,      // 1 = shared expert over all tokens
  expert: u32,     // dense mode: which shared expert
  rows: u32,       // dense mode: rows (= T)
  ffn: u32,        // inner size f of the expert being run
  accumulate: u32, // dense down projection: add into the output instead of storing
  pad0: u32,
  pad1: u32,
  pad2: u32,
}

struct Tile {
  valid: bool,
  expert: u32,
  rowStart: u32,
  rowEnd: u32,
}

// info layout (u32): offsets[E+1] | kept[E] | segStart[E] | tileOffsets[E+1] | args...
fn tileOffsetAt(e: u32) -> u32 { return info[3u * P.experts + 1u + e]; }

fn findTile(ti: u32, tileRows: u32) -> Tile {
  var t: Tile;
  if (FP.dense == 1u) {
    t.expert = FP.expert;
    t.rowStart = ti * tileRows;
    t.rowEnd = FP.rows;
    t.valid = t.rowStart < t.rowEnd;
    return t;
  }
  let E = P.experts;
  let total = tileOffsetAt(E);
  t.valid = ti < total;
  if (!t.valid) { return t; }
  // Largest e with tileOffsets[e] <= ti (empty experts share a start with the next one).
  var lo = 0u;
  var hi = E;
  while (lo < hi) {
    let mid = (lo + hi + 1u) / 2u;
    if (tileOffsetAt(mid) <= ti) { lo = mid; } else { hi = mid - 1u; }
  }
  t.expert = lo;
  t.rowStart = info[lo] + (ti - tileOffsetAt(lo)) * tileRows;
  t.rowEnd = info[lo + 1u];
  return t;
}

fn silu(z: f32) -> f32 {
  return z / (1.0 + exp(-z));
}
