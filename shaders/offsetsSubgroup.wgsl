enable subgroups;
// Offsets, subgroup path: the same scans as offsets.wgsl, with subgroupExclusiveAdd inside each subgroup and one
// barrier. Works at any subgroup size: each subgroup takes a slot number from a workgroup counter (its elected
// lane), and invocation (slot, lane) owns the experts of scan position slot·size + lane, so the scan order is
// (slot, lane) whatever the hardware's grouping of invocations is.
//!include params
//!include offsetsCommon

var<workgroup> nextSlot: atomic<u32>;
var<workgroup> slotTotal: array<vec3u, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(subgroup_invocation_id) lane: u32, @builtin(subgroup_size) size: u32) {
  var slot = 0u;
  if (subgroupElect()) { slot = atomicAdd(&nextSlot, 1u); }
  slot = subgroupBroadcastFirst(slot);
  let pos = slot * size + lane;
  let E = P.experts;
  let per = (E + WG - 1u) / WG;
  let e0 = min(pos * per, E);
  let e1 = min(e0 + per, E);
  let local = localSum(e0, e1);
  let excl = subgroupExclusiveAdd(local);
  let total = subgroupAdd(local);
  if (subgroupElect() && slot < WG) { slotTotal[slot] = total; }
  workgroupBarrier();
  let slots = atomicLoad(&nextSlot);
  var before = vec3u(0u);
  var all = vec3u(0u);
  for (var s = 0u; s < min(slots, WG); s++) {
    let v = slotTotal[s];
    if (s < slot) { before += v; }
    all += v;
  }
  writeStarts(e0, e1, before + excl);
  if (pos == 0u) { writeTotals(all); }
}
