import { describe, expect, it } from 'vitest';
import { ShardNameError, parseShardName, shardName, shardNames } from '../src/index.js';

describe('shardName', () => {
  it('formats name-00000-of-00004.ext', () => {
    expect(shardName('train', 3, 4, 'array_record')).toBe('train-00003-of-00004.array_record');
    expect(shardName('train', 0, 1, '.jsonl')).toBe('train-00000-of-00001.jsonl');
    expect(shardName('valid', 7, 10)).toBe('valid-00007-of-00010');
    expect(shardName('big', 5, 123_456, 'parquet')).toBe('big-000005-of-123456.parquet');
  });

  it('lists every shard of a set in order', () => {
    expect(shardNames('t', 3, 'parquet')).toEqual([
      't-00000-of-00003.parquet',
      't-00001-of-00003.parquet',
      't-00002-of-00003.parquet',
    ]);
  });

  it('rejects impossible shard numbers and names', () => {
    expect(() => shardName('train', 4, 4)).toThrow('shard index must be an integer from 0 to 3 (got 4)');
    expect(() => shardName('train', -1, 4)).toThrow(ShardNameError);
    expect(() => shardName('train', 1.5, 4)).toThrow(ShardNameError);
    expect(() => shardName('train', 0, 0)).toThrow('shard count must be a positive integer (got 0)');
    expect(() => shardName('', 0, 1)).toThrow(/non-empty file name/);
    expect(() => shardName('a/b', 0, 1)).toThrow(/without slashes/);
    expect(() => shardNames('t', 0)).toThrow(ShardNameError);
  });
});

describe('parseShardName', () => {
  it('parses what shardName writes', () => {
    for (const [name, index, count, ext] of [
      ['train', 3, 4, 'array_record'],
      ['my-data.v2', 0, 2, 'tar.gz'],
      ['x', 99_999, 100_000, ''],
    ] as const) {
      const parsed = parseShardName(shardName(name, index, count, ext));
      expect(parsed).toEqual({ name, index, count, extension: ext });
    }
  });

  it('rejects names that are not shard names, or out of range', () => {
    expect(() => parseShardName('train.jsonl')).toThrow(
      '"train.jsonl" is not a shard name like name-00000-of-00004.ext',
    );
    expect(() => parseShardName('train-3-of-4.jsonl')).toThrow(ShardNameError);
    expect(() => parseShardName('train-00004-of-00004.jsonl')).toThrow(
      'shard index 4 is out of range for 4 shards',
    );
    expect(() => parseShardName('train-00000-of-00000')).toThrow(ShardNameError);
    const error = (() => {
      try {
        return parseShardName('nope');
      } catch (e) {
        return e;
      }
    })();
    expect(error).toMatchObject({ code: 'PREPKIT_SHARD_NAME_INVALID', name: 'ShardNameError' });
  });
});
