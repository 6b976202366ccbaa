import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Builds an ONNX graph node by node: named initializers (float32 raw data), int64 constants, nodes. */
export class GraphBuilder {
  readonly nodes: onnxProto.onnx.INodeProto[] = [];
  readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  #next = 0;

  /** A float32 initializer from `values`, stored as little-endian raw data. */
  float(name: string, dims: readonly number[], values: Float32Array): string {
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: onnx.TensorProto.DataType.FLOAT,
      rawData: bytes,
    });
    return name;
  }

  /** An int64 initializer (shapes, axes, indices). */
  int64(values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = `const_${this.#next++}`;
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: onnx.TensorProto.DataType.INT64,
      rawData: new Uint8Array(data.buffer),
    });
    return name;
  }

  /** A float32 scalar initializer. */
  scalar(value: number): string {
    const name = `const_${this.#next++}`;
    return this.float(name, [], new Float32Array([value]));
  }

  /** Adds one node and returns the name of its (first) output. */
  op(
    opType: string,
    inputs: readonly string[],
    attributes: onnxProto.onnx.IAttributeProto[] = [],
    outputs = 1,
  ): string {
    const base = `${opType.toLowerCase()}_${this.#next++}`;
    const names = Array.from({ length: outputs }, (_, i) => (i === 0 ? base : `${base}_${i}`));
    this.nodes.push({ opType, input: [...inputs], output: names, name: base, attribute: attributes });
    return names[0]!;
  }

  /** Renames the output of the last node (graph outputs need stable names). */
  nameLastOutput(name: string): string {
    const node = this.nodes.at(-1)!;
    node.output = [name];
    return name;
  }
}

export function intAttribute(name: string, value: number): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INT, i: value };
}

export function intsAttribute(name: string, values: readonly number[]): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...values] };
}

export function floatAttribute(name: string, value: number): onnxProto.onnx.IAttributeProto {
  return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value };
}

/** A graph input or output of element type `elemType` with symbolic and fixed dimensions. */
export function valueInfo(
  name: string,
  elemType: number,
  dims: readonly (string | number)[],
): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
      },
    },
  };
}

/** Serialises a model of `graph` at `opset` (default domain). */
export function encodeModel(
  builder: GraphBuilder,
  name: string,
  inputs: onnxProto.onnx.IValueInfoProto[],
  outputs: onnxProto.onnx.IValueInfoProto[],
  opset: number,
): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'prepkit-embeddings',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: opset }],
    graph: { name, node: builder.nodes, initializer: builder.initializers, input: inputs, output: outputs },
  });
  return onnx.ModelProto.encode(model).finish();
}

export const ELEM_FLOAT = onnx.TensorProto.DataType.FLOAT;
export const ELEM_INT64 = onnx.TensorProto.DataType.INT64;
