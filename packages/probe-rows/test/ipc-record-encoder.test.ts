import { RecordBatch, Struct, Table, makeData, tableFromIPC, tableToIPC } from 'apache-arrow';
import type { Data } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { arrowSchema, arrowType } from '../src/columns.js';
import type { Column } from '../src/columns.js';
import { IpcRecordEncoder } from '../src/ipc-record-encoder.js';

const ROWS = 37;
const utf8 = new TextEncoder();

function stringColumn(name: string, values: (string | null)[]): Column {
  const parts = values.map((v) => utf8.encode(v ?? ''));
  const offsets = new Int32Array(values.length + 1);
  parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
  const bytes = new Uint8Array(offsets[values.length]!);
  parts.forEach((p, i) => bytes.set(p, offsets[i]));
  const valid = Uint8Array.from(values, (v) => (v === null ? 0 : 1));
  return { name, kind: 'utf8', values: null, offsets, bytes, valid: valid.includes(0) ? valid : null };
}

const nullEvery = (k: number) => Uint8Array.from({ length: ROWS }, (_, i) => (i % k === 0 ? 0 : 1));

const COLUMNS: Column[] = [
  stringColumn(
    'src_addr',
    Array.from({ length: ROWS }, (_, i) => `10.0.${i >> 3}.${i}`),
  ),
  {
    name: 'prb_id',
    kind: 'int64',
    values: BigInt64Array.from({ length: ROWS }, (_, i) => BigInt(i * 1_000_003)),
    offsets: null,
    bytes: null,
    valid: null,
  },
  {
    name: 'event_time',
    kind: 'timestamp',
    timezone: 'UTC',
    values: BigInt64Array.from({ length: ROWS }, (_, i) => 1_700_000_000_000_000n + BigInt(i) * 60_000_000n),
    offsets: null,
    bytes: null,
    valid: null,
  },
  {
    name: 'rtt_avg',
    kind: 'float64',
    values: Float64Array.from({ length: ROWS }, (_, i) => (i % 5 === 0 ? 0 : i / 7)),
    offsets: null,
    bytes: null,
    valid: nullEvery(5),
  },
  {
    name: 'sent',
    kind: 'int32',
    values: Int32Array.from({ length: ROWS }, (_, i) => i % 4),
    offsets: null,
    bytes: null,
    valid: null,
  },
  {
    name: 'ttl',
    kind: 'int16',
    values: Int16Array.from({ length: ROWS }, (_, i) => (i % 9 === 0 ? 0 : 64 - i)),
    offsets: null,
    bytes: null,
    valid: nullEvery(9),
  },
  {
    name: 'loss',
    kind: 'float32',
    values: Float32Array.from({ length: ROWS }, (_, i) => i * 0.25),
    offsets: null,
    bytes: null,
    valid: null,
  },
  // No nulls in this bool column: apache-arrow's writer keeps or sets value bits under nulls
  // depending on the batch, while our encoder always clears them (tested on its own below).
  {
    name: 'ok',
    kind: 'bool',
    values: Uint8Array.from({ length: ROWS }, (_, i) => (i % 3 === 0 ? 1 : 0)),
    offsets: null,
    bytes: null,
    valid: null,
  },
  stringColumn(
    'dst_name',
    Array.from({ length: ROWS }, (_, i) => (i % 6 === 0 ? null : `host-${'é'.repeat(i % 4)}-🛰️`)),
  ),
];

/** The same rows built the ordinary way, with apache-arrow's own objects and writer. */
function reference(start: number, end: number): Uint8Array {
  const n = end - start;
  const children: Data[] = COLUMNS.map((c) => {
    const type = arrowType(c);
    const valid = c.valid?.slice(start, end);
    const nullCount = valid === undefined ? 0 : valid.filter((v) => v === 0).length;
    const nullBitmap = nullCount === 0 ? undefined : packBits(valid!);
    if (c.kind === 'utf8') {
      const base = c.offsets![start]!;
      const valueOffsets = Int32Array.from(c.offsets!.slice(start, end + 1), (o) => o - base);
      return makeData({
        type,
        length: n,
        nullCount,
        nullBitmap,
        valueOffsets,
        data: c.bytes!.slice(base, c.offsets![end]),
      } as never);
    }
    const data =
      c.kind === 'bool' ? packBits(c.values!.slice(start, end) as Uint8Array) : c.values!.slice(start, end);
    return makeData({ type, length: n, nullCount, nullBitmap, data } as never);
  });
  const schema = arrowSchema(COLUMNS);
  return tableToIPC(
    new Table([
      new RecordBatch(
        schema,
        makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }),
      ),
    ]),
    'stream',
  );
}

function packBits(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(bytes.length / 8));
  bytes.forEach((b, i) => {
    if (b === 1) out[i >> 3]! |= 1 << (i & 7);
  });
  return out;
}

describe('IpcRecordEncoder', () => {
  const encoder = new IpcRecordEncoder(COLUMNS);

  it.each([
    [0, 1],
    [0, ROWS],
    [3, 4],
    [5, 17],
    [9, 36],
    [30, 37],
  ])('writes rows [%i, %i) byte for byte as apache-arrow does', (start, end) => {
    const ours = encoder.encode(COLUMNS, start, end);
    const theirs = reference(start, end);
    expect(Buffer.from(ours).toString('hex')).toBe(Buffer.from(theirs).toString('hex'));
  });

  it('round-trips through apache-arrow with values, nulls and strings intact', () => {
    const table = tableFromIPC(encoder.encode(COLUMNS, 4, 20));
    expect(table.numRows).toBe(16);
    expect(table.getChild('src_addr')!.get(0)).toBe('10.0.0.4');
    expect(table.getChild('rtt_avg')!.get(1)).toBeNull(); // row 5
    expect(table.getChild('rtt_avg')!.get(2)).toBeCloseTo(6 / 7);
    expect(table.getChild('dst_name')!.get(2)).toBeNull(); // row 6
    expect(table.getChild('dst_name')!.get(3)).toBe('host-ééé-🛰️');
    expect(table.getChild('ok')!.get(2)).toBe(true); // row 6
    expect(String(table.getChild('event_time')!.type)).toContain('Timestamp');
    expect(table.getChild('prb_id')!.get(15)).toBe(19n * 1_000_003n);
  });
});

describe('IpcRecordEncoder under nulls', () => {
  it('writes the same bytes whatever a source left under its nulls', () => {
    const clean: Column = {
      name: 'v',
      kind: 'float64',
      values: Float64Array.of(1, 0, 3),
      offsets: null,
      bytes: null,
      valid: Uint8Array.of(1, 0, 1),
    };
    const dirty: Column = { ...clean, values: Float64Array.of(1, 99.5, 3) };
    const text = (bytes: string, offsets: number[]): Column => ({
      name: 's',
      kind: 'utf8',
      values: null,
      offsets: Int32Array.from(offsets),
      bytes: new TextEncoder().encode(bytes),
      valid: Uint8Array.of(1, 0, 1),
    });
    const encoder = new IpcRecordEncoder([clean, text('', [0])]);
    const a = encoder.encode([clean, text('ab', [0, 1, 1, 2])], 0, 3);
    const b = encoder.encode([dirty, text('axxb', [0, 1, 3, 4])], 0, 3);
    expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
    expect(tableFromIPC(b).getChild('s')!.toArray()).toEqual(['a', null, 'b']);
  });
});

describe('IpcRecordEncoder with null booleans', () => {
  it('writes nulls as nulls and clears their value bits', () => {
    const flags: Column = {
      name: 'ok',
      kind: 'bool',
      values: Uint8Array.of(1, 1, 0, 1),
      offsets: null,
      bytes: null,
      valid: Uint8Array.of(1, 0, 1, 0),
    };
    const table = tableFromIPC(new IpcRecordEncoder([flags]).encode([flags], 0, 4));
    expect(table.getChild('ok')!.toArray()).toEqual([true, null, false, null]);
  });
});
