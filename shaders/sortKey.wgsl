// Shared snippet: sort elements (expert, score key, index) compared lexicographically, all ascending.
// A padding element is all ones, so it sorts last.
fn descScoreKey(s: f32) -> u32 {
  // Order-preserving map of f32 bits to u32, then inverted so a higher score sorts first.
  let u = bitcast<u32>(s);
  var k: u32;
  if ((u & 0x80000000u) != 0u) { k = ~u; } else { k = u | 0x80000000u; }
  return ~k;
}

fn keyLess(a: vec4u, b: vec4u) -> bool {
  if (a.x != b.x) { return a.x < b.x; }
  if (a.y != b.y) { return a.y < b.y; }
  return a.z < b.z;
}
