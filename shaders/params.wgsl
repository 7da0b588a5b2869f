// Shared snippet: the layer parameters every kernel reads from one uniform buffer (binding 0 of group 0).
// Kept identical to LAYER_PARAM_FIELDS in src/gpu/params.ts.
struct Params {
  tokens: u32,          // T
  dModel: u32,          // d
  experts: u32,         // E
  topK: u32,            // k
  ffn: u32,             // f
  scoreFn: u32,         // 0 softmax, 1 sigmoid
  useBias: u32,
  groups: u32,
  topGroups: u32,
  renormalize: u32,
  routeScale: f32,
  mode: u32,            // 0 token-choice, 1 expert-choice
  capacity: u32,        // 0 = unlimited
  dropPolicy: u32,      // 0 position, 1 probability
  blockSize: u32,       // B
  sortSize: u32,        // power-of-two sort length
  sortValid: u32,       // real elements in the sort (T*k or T*E)
  rowsMax: u32,         // rows allocated in the dispatched buffers
  ffnTileRows: u32,     // FFN tile height TM (for the tile list)
  ffnTileColsUp: u32,   // column tiles of the up projection (ceil(f / TN))
  ffnTileColsDown: u32, // column tiles of the down projection (ceil(d / TN))
  sharedExperts: u32,
  chunkSize: u32,       // pairs per count/scatter chunk (token-choice)
  chunks: u32,          // chunks = ceil(T·k / chunkSize)
}

@group(0) @binding(0) var<uniform> P: Params;
