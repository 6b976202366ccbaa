import { describe, expect, it } from 'vitest';
import { ReplyThreads, replyThreadsOfRun } from '../src/reply-threads.js';

const pairs = (list: [number, number][]) => ({
  ids: BigInt64Array.from(list, ([id]) => BigInt(id)),
  parents: BigInt64Array.from(list, ([, parent]) => BigInt(parent)),
});

describe('ReplyThreads', () => {
  // Root 1 ← 2 ← 3 and 1 ← 4; root 10 (not a reply) ← 11; a cycle 20 → 21 → 22 → 20, cut at 20.
  const { ids, parents } = pairs([
    [4, 1],
    [22, 21],
    [3, 2],
    [11, 10],
    [2, 1],
    [21, 20],
    [20, 22],
  ]);
  const threads = ReplyThreads.fromPairs(ids, parents);

  it('finds each thread root: the parent of the top reply, or where a reply cycle is cut', () => {
    expect(threads.roots()).toEqual(['1', '10', '20']);
  });

  it('gives the replies of the chosen threads, a cycle root among its own replies', () => {
    expect(threads.replies((root) => root === '1').sort()).toEqual(['2', '3', '4']);
    expect(threads.replies((root) => root !== '1').sort()).toEqual(['11', '20', '21', '22']);
    const asked: string[] = [];
    threads.replies((root) => (asked.push(root), false));
    expect(asked).toEqual(['1', '10', '20']);
  });

  it('is read once per run by a worker, again for another run', async () => {
    const ofRun = replyThreadsOfRun();
    let reads = 0;
    const read = () => (reads++, Promise.resolve(threads));
    expect(await ofRun('a')(read)).toBe(threads);
    expect(await ofRun('a')(read)).toBe(threads);
    expect(reads).toBe(1);
    await ofRun('b')(read);
    await ofRun('a')(read);
    expect(reads).toBe(3);
    // A failed read keeps nothing: the next shard reads again.
    await expect(ofRun('c')(() => Promise.reject(new Error('lost')))).rejects.toThrow('lost');
    await ofRun('c')(read);
    expect(reads).toBe(4);
  });
});
