// Scatter, step 1: one sort element per (token, slot) — or per (token, expert) in expert-choice mode — keyed
// (expert, score key, index). The position policy leaves the score key 0 so the order inside an expert is the
// token order; the probability policy and expert-choice order by score descending, then token index.
// Elements past the real ones are all ones and sort last.
//!include params
//!include linearId
//!include sortKey

@group(0) @binding(1) var<storage, read> ids: array<u32>;
@group(0) @binding(2) var<storage, read> slotScore: array<f32>;
@group(0) @binding(3) var<storage, read> S: array<f32>;
@group(0) @binding(4) var<storage, read_write> keys: array<vec4u>;

override WG: u32; // invocations per workgroup (pipeline constant from the runner)

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  let p = linearWorkgroup(wid, nwg) * WG + li;
  if (p >= P.sortSize || p >= arrayLength(&keys)) { return; }
  var key = vec4u(0xffffffffu);
  if (p < P.sortValid) {
    if (P.mode == 0u) {
      var sk = 0u;
      if (P.dropPolicy == 1u) { sk = descScoreKey(slotScore[p]); }
      key = vec4u(ids[p], sk, p, 0u);
    } else {
      key = vec4u(p % P.experts, descScoreKey(S[p]), p, 0u);
    }
  }
  keys[p] = key;
}
