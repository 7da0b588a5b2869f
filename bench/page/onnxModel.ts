/**
 * A minimal ONNX protobuf writer: just enough of onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto, ValueInfoProto) to build the peer benchmark's MatMul → com.microsoft MoE graph in the page, with
 * no protobuf library. Field numbers are onnx.proto's (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto).
 */

/** Protobuf wire types. */
const VARINT = 0;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** ONNX TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;

class ProtoWriter {
  private chunks: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  private varint(value: number): void {
    // Non-negative integers below 2^53 (every size and enum here): 7 bits at a time.
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`varint out of range: ${value}`);
    const out: number[] = [];
    let v = value;
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  int(field: number, value: number): this {
    this.tag(field, VARINT);
    this.varint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, LENGTH_DELIMITED);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

export type OnnxAttribute =
  | { name: string; int: number }
  | { name: string; float: number }
  | { name: string; string: string };

export interface OnnxNode {
  opType: string;
  domain?: string;
  inputs: string[];
  outputs: string[];
  attributes?: OnnxAttribute[];
}

export interface OnnxInitializer {
  name: string;
  dims: number[];
  data: Float32Array;
}

export interface OnnxValue {
  name: string;
  dims: number[];
}

export interface OnnxGraph {
  nodes: OnnxNode[];
  initializers: OnnxInitializer[];
  inputs: OnnxValue[];
  outputs: OnnxValue[];
  /** Operator sets: domain ('' = ai.onnx) → version. */
  opsets: Record<string, number>;
}

// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;

function valueInfo(w: ProtoWriter, v: OnnxValue): void {
  w.string(1, v.name).message(2, (type) =>
    type.message(1, (tensor) =>
      tensor.int(1, ONNX_FLOAT).message(2, (shape) => {
        for (const d of v.dims) shape.message(1, (dim) => dim.int(1, d));
      }),
    ),
  );
}

/** Serialise a float32 graph as an ONNX ModelProto (IR version 8). */
export function encodeOnnxModel(g: OnnxGraph): Uint8Array {
  const model = new ProtoWriter();
  model.int(1, 8); // ir_version
  model.string(2, 'moe-lab-bench'); // producer_name
  for (const [domain, version] of Object.entries(g.opsets)) {
    model.message(8, (op) => {
      if (domain) op.string(1, domain);
      op.int(2, version);
    });
  }
  model.message(7, (graph) => {
    for (const n of g.nodes) {
      graph.message(1, (node) => {
        for (const i of n.inputs) node.string(1, i);
        for (const o of n.outputs) node.string(2, o);
        node.string(3, `${n.opType}_node`);
        node.string(4, n.opType);
        for (const a of n.attributes ?? []) {
          node.message(5, (attr) => {
            attr.string(1, a.name);
            if ('int' in a) attr.int(3, a.int).int(20, ATTR_INT);
            else if ('float' in a) attr.float(2, a.float).int(20, ATTR_FLOAT);
            else attr.string(4, a.string).int(20, ATTR_STRING);
          });
        }
        if (n.domain) node.string(7, n.domain);
      });
    }
    graph.string(2, 'moe_layer');
    for (const t of g.initializers) {
      graph.message(5, (tensor) => {
        for (const d of t.dims) tensor.int(1, d);
        tensor.int(2, ONNX_FLOAT);
        tensor.string(8, t.name);
        // raw_data is little-endian, as Float32Array is on every platform a browser runs on.
        tensor.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      });
    }
    for (const v of g.inputs) graph.message(11, (w) => valueInfo(w, v));
    for (const v of g.outputs) graph.message(12, (w) => valueInfo(w, v));
  });
  return model.finish();
}
