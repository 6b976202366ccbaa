import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual([
      'AbortedError',
      'CONSUMERS',
      'DEFAULT_PREPARE_OPTIONS',
      'DataError',
      'DiscordDatasetError',
      'EXAMPLE_PER',
      'ExportFormatError',
      'InvalidOptionError',
      'MessageTableBuilder',
      'OUTPUT_FORMATS',
      'SPEAKER_NAMES',
      'SQL_SCRIPTS',
      'STRATEGIES',
      'SchemaError',
      'UNKNOWN_MENTION',
      'UsageError',
      'ValidationFailedError',
      'benchDatabase',
      'buildReplyForest',
      'buildTurns',
      'cleanText',
      'formatBatch',
      'formatTasks',
      'generateMessages',
      'generateToDatabase',
      'importExports',
      'initDatabase',
      'isValidationThread',
      'messageRow',
      'noProgress',
      'planExamples',
      'prepareDiscordDataset',
      'readDiscordExport',
      'readSqlScript',
      'renderLine',
      'replaceMentions',
      'resolvePrepareOptions',
      'splitPoint',
      'sqlScriptPath',
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
    expect(Object.isFrozen(api.resolvePrepareOptions(base))).toBe(true);
  });
});
