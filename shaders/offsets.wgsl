// Offsets, one workgroup (plain path): capacity, block padding and three exclusive scans over the experts at
// once (padded rows → segment starts, pre-capacity counts → sort segment starts, FFN tiles → tile list), then
// the expert FFN's indirect dispatch arguments. Each invocation sums a contiguous run of experts, invocation 0
// scans the 64 partial sums serially, and every invocation writes its run: two barriers in all (a barrier is
// the expensive part on a software adapter; a log-step scan needs twelve). No spin-waits.
//!include params
//!include offsetsCommon

var<workgroup> sc: array<vec3u, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(local_invocation_index) li: u32) {
  let E = P.experts;
  let per = (E + WG - 1u) / WG;
  let e0 = min(li * per, E);
  let e1 = min(e0 + per, E);
  sc[li] = localSum(e0, e1);
  workgroupBarrier();
  if (li == 0u) {
    var run = vec3u(0u);
    for (var i = 0u; i < WG; i++) {
      let v = sc[i];
      sc[i] = run;
      run += v;
    }
    writeTotals(run);
  }
  workgroupBarrier();
  writeStarts(e0, e1, sc[li]);
}
