import { describe, expect, it } from 'vitest';
import { DataError, MessageTableBuilder, buildReplyForest } from '../src/index.js';
import type { MessageRow, MessageTable } from '../src/index.js';
import { argsortInt64 } from '../src/message-table.js';

function row(id: string, parent: string | null = null, author = '1'): MessageRow {
  return {
    id,
    parent_id: parent,
    author_id: author,
    author_name: `u${author}`,
    is_bot: false,
    chat: true,
    assistant: false,
    content: `m${id}`,
    mentions: null,
  };
}

function table(rows: MessageRow[]): MessageTable {
  const builder = new MessageTableBuilder(2);
  for (const r of rows) builder.appendRow(r);
  return builder.finish();
}

/** Parent ids by id, as the forest sees them after cycle breaking. */
function parents(t: MessageTable): Record<string, string | null> {
  const forest = buildReplyForest(t);
  const out: Record<string, string | null> = {};
  for (let i = 0; i < t.length; i++) {
    const p = forest.parent[i]!;
    out[t.ids[i]!.toString()] = p < 0 ? null : t.ids[p]!.toString();
  }
  return out;
}

describe('MessageTableBuilder', () => {
  it('sorts rows by id (signed 64-bit, beyond 2^53) and keeps columns aligned', () => {
    const t = table([
      row('9223372036854775807'),
      row('1069213455380336712'),
      row('-5'),
      row('1069213455380336711'),
    ]);
    expect(Array.from(t.ids, String)).toEqual([
      '-5',
      '1069213455380336711',
      '1069213455380336712',
      '9223372036854775807',
    ]);
    expect(t.contents).toEqual([
      'm-5',
      'm1069213455380336711',
      'm1069213455380336712',
      'm9223372036854775807',
    ]);
  });

  it('argsortInt64 agrees with a BigInt comparison sort', () => {
    const values = new BigInt64Array(5000);
    let x = 0x9e3779b97f4a7c15n;
    for (let i = 0; i < values.length; i++) {
      x = (x * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
      values[i] = BigInt.asIntN(64, x >> BigInt(i % 7));
    }
    const order = argsortInt64(values);
    const expected = Array.from(values.keys()).sort((a, b) =>
      values[a]! < values[b]! ? -1 : values[a]! > values[b]! ? 1 : a - b,
    );
    expect(Array.from(order)).toEqual(expected);
  });

  it('refuses a duplicate id with a message naming it', () => {
    expect(() => table([row('7'), row('8'), row('7')])).toThrow(DataError);
    expect(() => table([row('7'), row('7')])).toThrow(/message id 7 occurs more than once/);
  });
});

describe('buildReplyForest', () => {
  it('links replies to parents and lists roots and children by id', () => {
    const t = table([row('30', '10'), row('10'), row('20', '10'), row('40', '20'), row('50')]);
    const forest = buildReplyForest(t);
    expect(Array.from(forest.roots, (r) => t.ids[r]!.toString())).toEqual(['10', '50']);
    const childrenOf = (id: string): string[] => {
      const i = Array.from(t.ids, String).indexOf(id);
      return Array.from(forest.children.subarray(forest.childStart[i], forest.childStart[i + 1]), (c) =>
        t.ids[c]!.toString(),
      );
    };
    expect(childrenOf('10')).toEqual(['20', '30']);
    expect(childrenOf('20')).toEqual(['40']);
    expect(forest.cyclesBroken).toBe(0);
    expect(forest.danglingReplies).toBe(0);
  });

  it('turns replies to missing messages into roots and counts them', () => {
    const t = table([row('2', '1'), row('3', '2'), row('5', '4')]);
    expect(parents(t)).toEqual({ '2': null, '3': '2', '5': null });
    expect(buildReplyForest(t).danglingReplies).toBe(2);
  });

  it('breaks a self-reply, a two-cycle and a three-cycle at their smallest ids, counting each once', () => {
    const t = table([
      row('1', '1'), // replies to itself
      row('2', '1'),
      row('10', '11'),
      row('11', '10'),
      row('12', '11'), // hangs off the two-cycle
      row('20', '22'),
      row('21', '20'),
      row('22', '21'),
    ]);
    expect(parents(t)).toEqual({
      '1': null,
      '2': '1',
      '10': null,
      '11': '10',
      '12': '11',
      '20': null,
      '21': '20',
      '22': '21',
    });
    const forest = buildReplyForest(t);
    expect(forest.cyclesBroken).toBe(3);
    expect(forest.danglingReplies).toBe(0);
  });

  it('handles a chain 100,000 deep without recursion', () => {
    const rows = [row('1')];
    for (let i = 2; i <= 100_000; i++) rows.push(row(String(i), String(i - 1)));
    const forest = buildReplyForest(table(rows.reverse()));
    expect(forest.roots.length).toBe(1);
    expect(forest.parent[99_999]).toBe(99_998);
  });

  it('breaks a cycle 50,000 long', () => {
    const rows: MessageRow[] = [];
    for (let i = 1; i <= 50_000; i++) rows.push(row(String(i), String(i === 1 ? 50_000 : i - 1)));
    const forest = buildReplyForest(table(rows));
    expect(forest.cyclesBroken).toBe(1);
    expect(Array.from(forest.roots)).toEqual([0]);
  });
});
