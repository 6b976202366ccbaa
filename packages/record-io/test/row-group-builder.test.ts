import { describe, expect, it } from 'vitest';
import { RowGroupBuilder } from '../src/row-group-builder.js';
import { normalizeBatch } from '../src/parquet-schema.js';
import type { NormalizedBatch, ParquetColumn, Utf8Column } from '../src/parquet-schema.js';

const COLUMNS: readonly ParquetColumn[] = [
  { name: 'n', type: 'int32' },
  { name: 'v', type: 'float32-list', listSize: 2 },
  { name: 's', type: 'utf8' },
];

function rows(group: NormalizedBatch) {
  const [n, v, s] = group.values as [Int32Array, Float32Array, Utf8Column];
  const decoder = new TextDecoder();
  return Array.from({ length: group.rows }, (_, i) => [
    n[i],
    [v[2 * i], v[2 * i + 1]],
    decoder.decode(s.data.subarray(s.offsets[i], s.offsets[i + 1])),
  ]);
}

function batch(from: number, count: number): NormalizedBatch {
  return normalizeBatch('t', COLUMNS, {
    n: Int32Array.from({ length: count }, (_, i) => from + i),
    v: Float32Array.from({ length: 2 * count }, (_, i) => from * 2 + i),
    s: Array.from({ length: count }, (_, i) => ((from + i) % 3 === 0 ? '' : `é${from + i}`)),
  });
}

describe('RowGroupBuilder', () => {
  it('cuts any batch sizes into row groups of exactly the size, in order', () => {
    const builder = new RowGroupBuilder(COLUMNS, 4);
    const groups: NormalizedBatch[] = [];
    for (const [from, count] of [
      [0, 3],
      [3, 1],
      [4, 9],
      [13, 2],
    ] as const)
      groups.push(...builder.add(batch(from, count)));
    const last = builder.flush();
    expect(groups.map((g) => g.rows)).toEqual([4, 4, 4]);
    expect(last?.rows).toBe(3);
    const all = [...groups, last!].flatMap(rows);
    expect(all).toEqual(rows(batch(0, 15)));
    expect(builder.flush()).toBeUndefined();
  });

  it('hands whole row groups inside one batch over as views, without copying', () => {
    const builder = new RowGroupBuilder(COLUMNS, 4);
    const input = batch(0, 8);
    const [first, second] = [...builder.add(input)];
    expect((first!.values[0] as Int32Array).buffer).toBe((input.values[0] as Int32Array).buffer);
    expect((second!.values[1] as Float32Array).buffer).toBe((input.values[1] as Float32Array).buffer);
    expect(rows(second!)).toEqual(rows(batch(4, 4)));
  });

  it('accepts pre-encoded strings whose offsets do not start at 0', () => {
    const builder = new RowGroupBuilder([{ name: 's', type: 'utf8' }], 2);
    const data = new TextEncoder().encode('xxabcde');
    const given = normalizeBatch('t', [{ name: 's', type: 'utf8' }], {
      s: { offsets: Int32Array.from([2, 3, 5, 7]), data },
    });
    const [group] = [...builder.add(given)];
    const rest = builder.flush()!;
    const text = (g: NormalizedBatch, i: number) => {
      const s = g.values[0] as Utf8Column;
      return new TextDecoder().decode(s.data.subarray(s.offsets[i], s.offsets[i + 1]));
    };
    expect([text(group!, 0), text(group!, 1), text(rest, 0)]).toEqual(['a', 'bc', 'de']);
    expect((group!.values[0] as Utf8Column).offsets[0]).toBe(0);
  });
});
