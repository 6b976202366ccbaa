import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ThriftType, decodeStruct, encodeStruct, field } from '../src/thrift-compact.js';
import type { ThriftStruct } from '../src/thrift-compact.js';
import { tempDir } from './helpers.js';
import { expectedData, writeExpected } from './parquet-data.js';

describe('Thrift compact codec', () => {
  it('re-encodes a real Parquet footer (arrow-rs FileMetaData) byte for byte', async () => {
    const path = join(await tempDir(), 'data.parquet');
    await writeExpected(path, expectedData(300), { rowGroupSize: 100 });
    const file = await readFile(path);
    const length = file.readUInt32LE(file.byteLength - 8);
    const footer = file.subarray(file.byteLength - 8 - length, file.byteLength - 8);
    const { struct, end } = decodeStruct(footer);
    expect(end).toBe(footer.byteLength);
    expect(Buffer.from(encodeStruct(struct)).equals(footer)).toBe(true);
    expect(field(struct, 3)?.value).toBe(300n); // num_rows
  });

  it('round-trips every wire type, long field ids, long lists and negative numbers', () => {
    const struct: ThriftStruct = {
      fields: [
        { id: 1, type: ThriftType.true, value: true },
        { id: 2, type: ThriftType.false, value: false },
        { id: 3, type: ThriftType.byte, value: -5 },
        { id: 4, type: ThriftType.i16, value: -300 },
        { id: 5, type: ThriftType.i32, value: 2 ** 31 - 1 },
        { id: 6, type: ThriftType.i64, value: -(2n ** 63n) },
        { id: 7, type: ThriftType.double, value: -1.5e300 },
        { id: 40, type: ThriftType.binary, value: Uint8Array.from([0, 255, 7]) },
        {
          id: 41,
          type: ThriftType.list,
          value: { elementType: ThriftType.i32, items: Array.from({ length: 20 }, (_, i) => i - 10) },
        },
        {
          id: 42,
          type: ThriftType.list,
          value: { elementType: ThriftType.true, items: [true, false, true] },
        },
        {
          id: 43,
          type: ThriftType.map,
          value: {
            keyType: ThriftType.binary,
            valueType: ThriftType.i64,
            entries: [[Uint8Array.from([97]), 1n]],
          },
        },
        { id: 44, type: ThriftType.struct, value: { fields: [{ id: 1, type: ThriftType.i32, value: 9 }] } },
        { id: 45, type: ThriftType.map, value: { keyType: 0, valueType: 0, entries: [] } },
      ],
    };
    const bytes = encodeStruct(struct);
    const { struct: decoded, end } = decodeStruct(bytes);
    expect(end).toBe(bytes.byteLength);
    expect(decoded).toEqual(struct);
    expect(Buffer.from(encodeStruct(decoded)).equals(Buffer.from(bytes))).toBe(true);
  });

  it('says where truncated data ends', () => {
    const bytes = encodeStruct({ fields: [{ id: 1, type: ThriftType.i64, value: 123_456_789n }] });
    expect(() => decodeStruct(bytes.subarray(0, 3))).toThrow('Thrift data ends early');
  });
});
