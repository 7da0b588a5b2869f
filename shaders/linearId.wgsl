// Shared snippet: a 1-D workgroup index from a dispatch split over x and y (x ≤ 32768, see dispatch1d in TS).
fn linearWorkgroup(wid: vec3u, nwg: vec3u) -> u32 {
  return wid.x + wid.y * nwg.x;
}
