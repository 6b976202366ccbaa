import type { Data, Table } from 'apache-arrow';
import { TimeUnit } from 'apache-arrow';
import type { Column, ColumnSpec, FixedValues } from './columns.js';
import { ProbeRowsInternalError } from './errors.js';

/**
 * The columns of an Arrow table (as parquet-wasm reads a sorted partition), in `specs` order,
 * as `Column`s: value buffers are used as they are when a column arrived in one piece.
 */
export function columnsFromArrow(table: Table, specs: readonly ColumnSpec[]): Column[] {
  return specs.map((spec) => {
    const vector = table.getChild(spec.name);
    if (vector === null) throw new ProbeRowsInternalError(`partition lacks column "${spec.name}"`);
    return fromData(spec, vector.data as readonly Data[], table.numRows);
  });
}

function fromData(spec: ColumnSpec, pieces: readonly Data[], rows: number): Column {
  const valid = validity(pieces, rows);
  if (spec.kind === 'utf8') {
    const offsets = new Int32Array(rows + 1);
    let row = 0;
    let byteLength = 0;
    const parts: Uint8Array[] = [];
    for (const piece of pieces) {
      const pieceOffsets = piece.valueOffsets as Int32Array | BigInt64Array;
      const base = Number(pieceOffsets[0]);
      for (let i = 1; i <= piece.length; i++) offsets[row + i] = byteLength + Number(pieceOffsets[i]) - base;
      const end = Number(pieceOffsets[piece.length]);
      parts.push((piece.values as Uint8Array).subarray(base, end));
      byteLength += end - base;
      row += piece.length;
    }
    return { ...spec, values: null, offsets, bytes: concat(parts, byteLength), valid };
  }
  if (spec.kind === 'bool') {
    const values = new Uint8Array(rows);
    let row = 0;
    for (const piece of pieces) {
      const bits = piece.values as Uint8Array;
      for (let i = 0; i < piece.length; i++) {
        const bit = piece.offset + i;
        values[row + i] = (bits[bit >> 3]! >> (bit & 7)) & 1;
      }
      row += piece.length;
    }
    return { ...spec, values, offsets: null, bytes: null, valid };
  }
  const values =
    pieces.length === 1 ? (pieces[0]!.values as FixedValues).subarray(0, rows) : concatTyped(pieces);
  if (spec.kind === 'timestamp') {
    const unit = (pieces[0]?.type as { unit?: TimeUnit } | undefined)?.unit ?? TimeUnit.MICROSECOND;
    if (unit !== TimeUnit.MICROSECOND) {
      throw new ProbeRowsInternalError(
        `column "${spec.name}" arrived in unit ${TimeUnit[unit]}, expected microseconds`,
      );
    }
  }
  return { ...spec, values, offsets: null, bytes: null, valid };
}

/** One byte per row (1 = present), or null when nothing is missing. */
function validity(pieces: readonly Data[], rows: number): Uint8Array | null {
  if (pieces.every((p) => p.nullCount === 0)) return null;
  const valid = new Uint8Array(rows);
  let row = 0;
  for (const piece of pieces) {
    const bitmap = piece.nullBitmap;
    for (let i = 0; i < piece.length; i++) {
      const bit = piece.offset + i;
      valid[row + i] = bitmap === undefined || bitmap.length === 0 ? 1 : (bitmap[bit >> 3]! >> (bit & 7)) & 1;
    }
    row += piece.length;
  }
  return valid;
}

function concatTyped(pieces: readonly Data[]): FixedValues {
  const first = pieces[0]!.values as FixedValues;
  const Ctor = first.constructor as new (n: number) => FixedValues;
  const out = new Ctor(pieces.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const piece of pieces) {
    out.set((piece.values as FixedValues).subarray(0, piece.length) as never, at);
    at += piece.length;
  }
  return out;
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
