import { PrepkitError } from '@prepkit/bench-harness/errors';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

// Pins the public API: an export added or removed on purpose updates this list in the same change.
describe('@prepkit/job-queue exports', () => {
  it('exports exactly the documented names', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'DEFAULT_QUEUE_OPTIONS',
        'MIN_QUEUE_NODE_VERSION',
        'QueueNodeVersionError',
        'QueueOpenError',
        'RunDefinitionError',
        'UnknownRunError',
        'assertQueueSupported',
        'defaultRunId',
        'defineShardedRun',
        'openQueue',
        'queueNames',
        'queueSupported',
        'resolveQueueOptions',
        'runStatus',
        'runWorker',
        'submitRun',
      ].sort(),
    );
  });

  it('checks definitions and options once, with errors that name the value', () => {
    expect(() => api.defineShardedRun({ name: 'Bad Name' } as never)).toThrow(
      /lower-case letters, digits and -, starting with a letter \(got Bad Name\)/,
    );
    expect(() => api.resolveQueueOptions({ heartbeatSeconds: 5 })).toThrow(
      'options.heartbeatSeconds must be at least 10 (got 5)',
    );
    expect(() => api.resolveQueueOptions({ schema: 'a"b' })).toThrow(/options.schema must be a lower-case/);
    const error = new api.UnknownRunError('r1');
    expect(error).toBeInstanceOf(PrepkitError);
    expect(error.kind).toBe('usage');
    expect(api.queueNames('probe-rows')).toEqual({
      plan: 'probe-rows.plan',
      shard: 'probe-rows.shard',
      commit: 'probe-rows.commit',
      dead: 'probe-rows.dead',
    });
  });

  it('derives the default run id from the pipeline and the config, whatever the key order', () => {
    expect(api.defaultRunId('toy', { a: 1, b: [2, { c: 3, d: 4 }] })).toBe(
      api.defaultRunId('toy', { b: [2, { d: 4, c: 3 }], a: 1 }),
    );
    expect(api.defaultRunId('toy', { a: 1 })).toMatch(/^toy-[0-9a-f]{16}$/);
    expect(api.defaultRunId('toy', { a: 1 })).not.toBe(api.defaultRunId('toy', { a: 2 }));
  });
});
