import { RecordBatch, Struct, Table, makeData, tableToIPC } from 'apache-arrow';
import type { Data } from 'apache-arrow';
import { arrowSchema, arrowType, byteWidth } from './columns.js';
import type { Column, ColumnSpec } from './columns.js';

const CONTINUATION = 0xffffffff;
const END_OF_STREAM = Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0);

/** Where the numbers of a RecordBatch message sit in its flatbuffer, found once from a template. */
interface MessageLayout {
  readonly metadata: Uint8Array;
  readonly bodyLengthAt: number;
  readonly lengthAt: number;
  readonly nodesAt: number;
  readonly buffersAt: number;
}

/**
 * Encodes rows [start, end) of a set of columns as one Arrow IPC stream (schema, one record
 * batch, end-of-stream), the bytes `pyarrow.ipc.open_stream` reads. apache-arrow builds the schema
 * message and a template batch message once; each record then only copies the template and
 * patches its counts and buffer positions, and copies the column bytes: no per-row objects and no
 * per-record Arrow object graph. The output equals what apache-arrow's own writer produces.
 */
export class IpcRecordEncoder {
  readonly specs: readonly ColumnSpec[];
  readonly #schemaMessage: Uint8Array;
  readonly #layout: MessageLayout;

  constructor(specs: readonly ColumnSpec[]) {
    this.specs = specs;
    const template = tableToIPC(new Table([templateBatch(specs)]), 'stream');
    const view = new DataView(template.buffer, template.byteOffset, template.byteLength);
    const schemaEnd = 8 + view.getInt32(4, true);
    this.#schemaMessage = template.slice(0, schemaEnd);
    const metadataLength = view.getInt32(schemaEnd + 4, true);
    this.#layout = locate(template.slice(schemaEnd + 8, schemaEnd + 8 + metadataLength));
  }

  encode(columns: readonly Column[], start: number, end: number): Uint8Array {
    const rows = end - start;
    const nodes: [number, number][] = [];
    const buffers: Uint8Array[] = [];
    for (const column of columns) {
      const nulls = column.valid === null ? 0 : countNulls(column.valid, start, end);
      nodes.push([rows, nulls]);
      buffers.push(nulls === 0 ? EMPTY : bitmap(column.valid!, start, end, null));
      // Under a null, the value bytes are zeros and a string is empty, whatever the source left
      // there (parquet readers differ), so every mode writes the same bytes.
      const valid = nulls === 0 ? null : column.valid;
      if (column.kind === 'utf8') {
        buffers.push(...stringBuffers(column.offsets!, column.bytes!, valid, start, end));
      } else if (column.kind === 'bool') {
        buffers.push(bitmap(column.values as Uint8Array, start, end, column.valid));
      } else {
        const width = byteWidth(column.kind);
        const values = column.values!;
        const slice = new Uint8Array(values.buffer, values.byteOffset + start * width, rows * width);
        buffers.push(valid === null ? slice : zeroNulls(slice, valid, start, width));
      }
    }
    const bodyLength = buffers.reduce((sum, b) => sum + pad8(b.length), 0);
    const { metadata, bodyLengthAt, lengthAt, nodesAt, buffersAt } = this.#layout;
    const out = new Uint8Array(
      this.#schemaMessage.length + 8 + metadata.length + bodyLength + END_OF_STREAM.length,
    );
    const view = new DataView(out.buffer);
    out.set(this.#schemaMessage, 0);
    let at = this.#schemaMessage.length;
    view.setUint32(at, CONTINUATION, true);
    view.setInt32(at + 4, metadata.length, true);
    const meta = at + 8;
    out.set(metadata, meta);
    setInt64(view, meta + bodyLengthAt, bodyLength);
    setInt64(view, meta + lengthAt, rows);
    nodes.forEach(([length, nulls], i) => {
      setInt64(view, meta + nodesAt + 16 * i, length);
      setInt64(view, meta + nodesAt + 16 * i + 8, nulls);
    });
    let offset = 0;
    at = meta + metadata.length;
    buffers.forEach((buffer, i) => {
      setInt64(view, meta + buffersAt + 16 * i, offset);
      // Lengths are recorded padded to 8 bytes, as apache-arrow's writer does.
      setInt64(view, meta + buffersAt + 16 * i + 8, pad8(buffer.length));
      out.set(buffer, at + offset);
      offset += pad8(buffer.length);
    });
    out.set(END_OF_STREAM, at + bodyLength);
    return out;
  }
}

const EMPTY = new Uint8Array(0);

/** A non-negative safe integer as a little-endian int64, without BigInt (this is the hot path). */
function setInt64(view: DataView, at: number, value: number): void {
  view.setUint32(at, value % 2 ** 32, true);
  view.setUint32(at + 4, Math.floor(value / 2 ** 32), true);
}

function pad8(n: number): number {
  return (n + 7) & ~7;
}

function zeroNulls(slice: Uint8Array, valid: Uint8Array, start: number, width: number): Uint8Array {
  const out = slice.slice();
  for (let i = 0; i < out.length / width; i++)
    if (valid[start + i] === 0) out.fill(0, i * width, (i + 1) * width);
  return out;
}

/** Offsets (rebased to 0) and bytes of rows [start, end), with nulls as empty strings. */
function stringBuffers(
  offsets: Int32Array,
  bytes: Uint8Array,
  valid: Uint8Array | null,
  start: number,
  end: number,
): Uint8Array[] {
  const rows = end - start;
  const rebased = new Int32Array(rows + 1);
  const base = offsets[start]!;
  if (valid === null) {
    for (let i = 0; i <= rows; i++) rebased[i] = offsets[start + i]! - base;
    return [new Uint8Array(rebased.buffer), bytes.subarray(base, offsets[end])];
  }
  const data = new Uint8Array(offsets[end]! - base);
  let length = 0;
  for (let i = 0; i < rows; i++) {
    if (valid[start + i] === 1) {
      const from = offsets[start + i]!;
      const to = offsets[start + i + 1]!;
      data.set(bytes.subarray(from, to), length);
      length += to - from;
    }
    rebased[i + 1] = length;
  }
  return [new Uint8Array(rebased.buffer), data.subarray(0, length)];
}

function countNulls(valid: Uint8Array, start: number, end: number): number {
  let nulls = 0;
  for (let i = start; i < end; i++) if (valid[i] === 0) nulls++;
  return nulls;
}

/** Rows [start, end) of a byte-per-row array as an LSB-first bitmap, cleared where `mask` is 0. */
function bitmap(bytes: Uint8Array, start: number, end: number, mask: Uint8Array | null): Uint8Array {
  const out = new Uint8Array(pad8(Math.ceil((end - start) / 8)));
  for (let i = start; i < end; i++) {
    if (bytes[i] === 1 && (mask === null || mask[i] === 1)) out[(i - start) >> 3]! |= 1 << ((i - start) & 7);
  }
  return out;
}

/** A one-row batch with every column non-null: fixes the message layout (no field is left at its default). */
function templateBatch(specs: readonly ColumnSpec[]): RecordBatch {
  const children: Data[] = specs.map((spec) => {
    const type = arrowType(spec);
    if (spec.kind === 'utf8')
      return makeData({
        type,
        length: 1,
        nullCount: 0,
        valueOffsets: Int32Array.of(0, 1),
        data: Uint8Array.of(120),
      } as never);
    if (spec.kind === 'bool')
      return makeData({ type, length: 1, nullCount: 0, data: Uint8Array.of(1) } as never);
    const width = byteWidth(spec.kind);
    const values =
      spec.kind === 'int64' || spec.kind === 'timestamp' ? BigInt64Array.of(1n) : new Uint8Array(width);
    return makeData({ type, length: 1, nullCount: 0, data: values } as never);
  });
  const schema = arrowSchema(specs);
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: 1, nullCount: 0, children }),
  );
}

/**
 * Finds, in a RecordBatch message's flatbuffer, the positions of Message.bodyLength,
 * RecordBatch.length and the first FieldNode and Buffer structs (Arrow's Message.fbs, Schema.fbs).
 */
function locate(metadata: Uint8Array): MessageLayout {
  const view = new DataView(metadata.buffer, metadata.byteOffset, metadata.byteLength);
  const u32 = (at: number): number => view.getUint32(at, true);
  const field = (table: number, index: number): number => {
    const vtable = table - view.getInt32(table, true);
    const offset =
      4 + 2 * index < view.getUint16(vtable, true) ? view.getUint16(vtable + 4 + 2 * index, true) : 0;
    if (offset === 0) throw new Error(`Arrow message template lacks field ${index}`);
    return table + offset;
  };
  const deref = (at: number): number => at + u32(at);
  const message = u32(0);
  const header = deref(field(message, 2));
  return {
    metadata,
    bodyLengthAt: field(message, 3),
    lengthAt: field(header, 0),
    nodesAt: deref(field(header, 1)) + 4,
    buffersAt: deref(field(header, 2)) + 4,
  };
}
