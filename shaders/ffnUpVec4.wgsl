// Expert FFN up projection, vec4 path (d and f multiples of 4): for each dispatched row r of expert e,
// H[r, :] = silu(x_t · W1[e]) ⊙ (x_t · W3[e]), t = rowToken[r] − 1 (0 marks a padding row: its H row is zero).
// 4×4 blocks of H per invocation, W1 and W3 streamed together (see gemmVec4.wgsl). Same tile list and indirect
// dispatch as ffnUp.wgsl; invocations whose rows are all past the expert's segment return at once, so short
// segments (decode) waste at most 3 rows of work instead of a whole tile.
//!include params
//!include gemmVec4

@group(0) @binding(1) var<storage, read> X: array<vec4f>;
@group(0) @binding(2) var<storage, read> rowToken: array<u32>;
@group(0) @binding(3) var<storage, read> info: array<u32>;
@group(0) @binding(4) var<storage, read> W1: array<vec4f>;
@group(0) @binding(5) var<storage, read> W3: array<vec4f>;
@group(0) @binding(6) var<storage, read_write> H: array<vec4f>;
@group(0) @binding(7) var<uniform> FP: FfnParams;

//!include ffnCommon

// Tile sizes: pipeline constants from the runner (VEC4_TILE in src/gpu/planner.ts).
override TM: u32;
override TN: u32;
override WGX: u32 = TN / 4u;
override WGY: u32 = TM / 4u;

// Token + 1 of row r (0: padding or past the segment).
fn tokenOf(r: u32, rowEnd: u32) -> u32 {
  if (r >= rowEnd) { return 0u; }
  if (FP.dense == 1u) { return r + 1u; }
  return rowToken[r];
}

fn swiglu(g: vec4f, u: vec4f) -> vec4f {
  return vec4f(silu(g.x), silu(g.y), silu(g.z), silu(g.w)) * u;
}

@compute @workgroup_size(WGX, WGY)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u) {
  let K4 = P.dModel / 4u;
  let N4 = FP.ffn / 4u;
  let tile = findTile(wid.y + wid.z * nwg.y, TM);
  let r0 = tile.rowStart + lid.y * 4u;
  let c4 = wid.x * WGX + lid.x;
  if (!tile.valid || r0 >= tile.rowEnd || c4 >= N4) { return; }
  let t0 = tokenOf(r0, tile.rowEnd);
  let t1 = tokenOf(r0 + 1u, tile.rowEnd);
  let t2 = tokenOf(r0 + 2u, tile.rowEnd);
  let t3 = tokenOf(r0 + 3u, tile.rowEnd);
  // Padding rows read token 0's x; their result is multiplied by 0.
  let x0 = (max(t0, 1u) - 1u) * K4;
  let x1 = (max(t1, 1u) - 1u) * K4;
  let x2 = (max(t2, 1u) - 1u) * K4;
  let x3 = (max(t3, 1u) - 1u) * K4;
  let wBase = tile.expert * K4 * 4u * N4 + c4;
  var g: Acc4;
  var u: Acc4;
  for (var k4 = 0u; k4 < K4; k4++) {
    let a0 = X[x0 + k4];
    let a1 = X[x1 + k4];
    let a2 = X[x2 + k4];
    let a3 = X[x3 + k4];
    let w = wBase + 4u * k4 * N4;
    fma4(&g, a0, a1, a2, a3, W1[w], W1[w + N4], W1[w + 2u * N4], W1[w + 3u * N4]);
    fma4(&u, a0, a1, a2, a3, W3[w], W3[w + N4], W3[w + 2u * N4], W3[w + 3u * N4]);
  }
  H[r0 * N4 + c4] = swiglu(g.r0, u.r0) * f32(t0 > 0u);
  if (r0 + 1u < tile.rowEnd) { H[(r0 + 1u) * N4 + c4] = swiglu(g.r1, u.r1) * f32(t1 > 0u); }
  if (r0 + 2u < tile.rowEnd) { H[(r0 + 2u) * N4 + c4] = swiglu(g.r2, u.r2) * f32(t2 > 0u); }
  if (r0 + 3u < tile.rowEnd) { H[(r0 + 3u) * N4 + c4] = swiglu(g.r3, u.r3) * f32(t3 > 0u); }
}
