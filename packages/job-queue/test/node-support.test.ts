import { describe, expect, it } from 'vitest';
import { QueueNodeVersionError, assertQueueSupported, openQueue, queueSupported } from '../src/index.js';

// Runs on every Node: CI runs the tests on Node 20 (where the queue must refuse) and on Node 24.
describe('the Node version check', () => {
  it('accepts 22.12 and newer only', () => {
    expect(['20.19.5', '22.11.0', '21.99.0'].map((v) => queueSupported(v))).toEqual([false, false, false]);
    expect(['22.12.0', '22.20.1', '24.0.0', '25.1.0'].map((v) => queueSupported(v))).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it('refuses with one line of kind environment', () => {
    let error: unknown;
    try {
      assertQueueSupported('20.19.5');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(QueueNodeVersionError);
    expect((error as QueueNodeVersionError).kind).toBe('environment');
    expect((error as Error).message).toBe(
      'the cluster commands need Node 22.12 or newer (this is 20.19.5); everything else works on 20.19+',
    );
  });

  it.runIf(!queueSupported())('makes openQueue refuse on this Node before pg-boss is loaded', async () => {
    await expect(openQueue('postgresql://u:secret@127.0.0.1:1/x')).rejects.toThrow(
      `the cluster commands need Node 22.12 or newer (this is ${process.versions.node}); everything else works on 20.19+`,
    );
  });
});
