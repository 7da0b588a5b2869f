// Expert FFN down projection, vec4 path (d and f multiples of 4): Y[r, :] = H[r, :] · W2[e] for every
// dispatched row r of expert e (padding rows have zero H, so zero Y); dense mode (shared experts) can accumulate
// into Y. 4×4 blocks per invocation straight from storage (see gemmVec4.wgsl); same tile list as ffnDown.wgsl.
//!include params
//!include gemmVec4

@group(0) @binding(1) var<storage, read> H: array<vec4f>;
@group(0) @binding(2) var<storage, read> info: array<u32>;
@group(0) @binding(3) var<storage, read> W2: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> Y: array<vec4f>;
@group(0) @binding(5) var<uniform> FP: FfnParams;

//!include ffnCommon

// Tile sizes: pipeline constants from the runner (VEC4_TILE in src/gpu/planner.ts).
override TM: u32;
override TN: u32;
override WGX: u32 = TN / 4u;
override WGY: u32 = TM / 4u;

fn put(r: u32, c4: u32, N4: u32, v: vec4f) {
  let i = r * N4 + c4;
  if (FP.accumulate == 1u) { Y[i] += v; } else { Y[i] = v; }
}

@compute @workgroup_size(WGX, WGY)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u) {
  let K4 = FP.ffn / 4u;
  let N4 = P.dModel / 4u;
  let tile = findTile(wid.y + wid.z * nwg.y, TM);
  let r0 = tile.rowStart + lid.y * 4u;
  let c4 = wid.x * WGX + lid.x;
  if (!tile.valid || r0 >= tile.rowEnd || c4 >= N4) { return; }
  let last = tile.rowEnd - 1u;
  let h0 = r0 * K4;
  let h1 = min(r0 + 1u, last) * K4;
  let h2 = min(r0 + 2u, last) * K4;
  let h3 = min(r0 + 3u, last) * K4;
  let wBase = tile.expert * K4 * 4u * N4 + c4;
  var acc: Acc4;
  for (var k4 = 0u; k4 < K4; k4++) {
    let w = wBase + 4u * k4 * N4;
    fma4(&acc, H[h0 + k4], H[h1 + k4], H[h2 + k4], H[h3 + k4],
         W2[w], W2[w + N4], W2[w + 2u * N4], W2[w + 3u * N4]);
  }
  put(r0, c4, N4, acc.r0);
  if (r0 + 1u < tile.rowEnd) { put(r0 + 1u, c4, N4, acc.r1); }
  if (r0 + 2u < tile.rowEnd) { put(r0 + 2u, c4, N4, acc.r2); }
  if (r0 + 3u < tile.rowEnd) { put(r0 + 3u, c4, N4, acc.r3); }
}
