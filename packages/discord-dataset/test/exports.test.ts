import { PrepkitError, exitCodeFor } from '@prepkit/bench-harness/errors';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual([
      'CONSUMERS',
      'DEFAULT_BENCH_DATABASE_OPTIONS',
      'DEFAULT_GENERATE_OPTIONS',
      'DEFAULT_IMPORT_OPTIONS',
      'DEFAULT_PREPARE_OPTIONS',
      'DEFAULT_VALIDATE_OPTIONS',
      'DataError',
      'EXAMPLE_PER',
      'ExportFormatError',
      'MessageTableBuilder',
      'OUTPUT_FORMATS',
      'ROOTS_SUFFIX',
      'ReadOnlyDatabaseError',
      'SPEAKER_NAMES',
      'SQL_SCRIPTS',
      'STRATEGIES',
      'SchemaError',
      'ShardFileError',
      'UNKNOWN_MENTION',
      'ValidationFailedError',
      'benchDatabase',
      'buildReplyForest',
      'buildTurns',
      'cleanText',
      'createDiscordRun',
      'discordRun',
      'formatBatch',
      'formatTasks',
      'generateMessages',
      'generateToDatabase',
      'guaranteedValidationThread',
      'importExports',
      'initDatabase',
      'isValidationThread',
      'mergeShards',
      'messageRow',
      'noProgress',
      'planDiscordShards',
      'planExamples',
      'prepareDiscordDataset',
      'readDiscordExport',
      'readSqlScript',
      'renderLine',
      'replaceMentions',
      'resolvePrepareOptions',
      'rootsPath',
      'shardPath',
      'splitPoint',
      'sqlScriptPath',
      'sqlShardOf',
      'transcript',
      'turnContent',
      'validateJsonl',
    ]);
  });

  it('validates options with messages that name the option', () => {
    const base = { db: 'postgresql://h/d', train: 'a.jsonl', valid: 'b.jsonl' };
    expect(() => api.resolvePrepareOptions({ ...base, batchSize: 0 })).toThrow(
      'options.batchSize must be a positive integer (got 0)',
    );
    expect(() => api.resolvePrepareOptions({ ...base, valid: 'a.jsonl' })).toThrow(
      'the train and valid outputs must be different files',
    );
    expect(() => api.resolvePrepareOptions({ ...base, since: 'soon' })).toThrow(
      /options\.since must be a date/,
    );
    expect(() => api.resolvePrepareOptions({ ...base, since: '2024-02-01', until: '2024-01-01' })).toThrow(
      /must be before/,
    );
    expect(() => api.resolvePrepareOptions({ ...base, minTurns: 4, maxTurns: 3 })).toThrow(
      /maxTurns \(3\) must be at least/,
    );
    expect(() => api.resolvePrepareOptions({ ...base, channels: ['general'] })).toThrow(/snowflake ids/);
    expect(() => api.resolvePrepareOptions({ ...base, threads: 0 })).toThrow(
      'options.threads must be a positive integer (got 0)',
    );
    expect(() => api.resolvePrepareOptions({ ...base, shards: 2, shard: { index: 0, count: 3 } })).toThrow(
      "options.shards (2) and options.shard's count (3) must agree",
    );
    expect(() => api.resolvePrepareOptions({ ...base, shard: { index: 3, count: 3 } })).toThrow(
      'options.shard.index must be an integer from 0 to 2 (got 3)',
    );
    expect(Object.isFrozen(api.resolvePrepareOptions(base))).toBe(true);
  });

  it('gives every error a stable code and the kind that sets the exit code', () => {
    const cases: [PrepkitError, string, string][] = [
      [new api.ExportFormatError('a.json', 'not JSON'), 'PREPKIT_DISCORD_BAD_EXPORT', 'input'],
      [new api.SchemaError(['table "messages"']), 'PREPKIT_DISCORD_SCHEMA_MISSING', 'input'],
      [new api.DataError('duplicate id'), 'PREPKIT_DISCORD_BAD_DATA', 'input'],
      [new api.ValidationFailedError(2, 1), 'PREPKIT_DISCORD_INVALID_JSONL', 'input'],
      [new api.ReadOnlyDatabaseError('messages', 'read-only'), 'PREPKIT_DISCORD_READ_ONLY', 'environment'],
      [new api.ShardFileError('train-00000-of-00002.jsonl', 'missing'), 'PREPKIT_DISCORD_BAD_SHARD', 'input'],
    ];
    for (const [error, code, kind] of cases) {
      expect(error).toBeInstanceOf(PrepkitError);
      expect([error.code, error.kind, exitCodeFor(error)]).toEqual([code, kind, 2]);
    }
  });
});
