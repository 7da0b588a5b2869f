// Gate, one invocation per token. Scores = softmax(logits) (row max subtracted) or sigmoid(logits), written to
// S[T, E]. Token-choice mode then applies the selection bias, the group filter and top-k (ties toward the lower
// index) and writes ids, weights (renormalised, times route scale) and the chosen scores (for the probability
// drop policy). Expert-choice mode stops after the scores. Semantics: src/workload/layer.ts.
//!include params
//!include linearId

@group(0) @binding(1) var<storage, read> L: array<f32>;

fn logitAt(i: u32) -> f32 { return L[i]; }

//!include gateCore

override WG: u32; // invocations per workgroup (pipeline constant from the runner)

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) li: u32) {
  gateToken(linearWorkgroup(wid, nwg) * WG + li);
}
