import { describe, expect, it } from 'vitest';
import { ConnectionLostError, isConnectionLost, retryOnConnectionLoss } from '../src/index.js';

const terminated = Object.assign(new Error('terminating connection due to administrator command'), {
  code: '57P01',
});

describe('retryOnConnectionLoss', () => {
  it('tells a lost connection from other failures, also when wrapped', () => {
    expect(isConnectionLost(terminated)).toBe(true);
    expect(isConnectionLost(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isConnectionLost(new Error('query failed', { cause: terminated }))).toBe(true);
    expect(isConnectionLost(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  });

  it('reruns the operation while the connection is lost, and passes other errors at once', async () => {
    let calls = 0;
    const value = await retryOnConnectionLoss(
      () => {
        calls++;
        return calls < 3 ? Promise.reject(terminated) : Promise.resolve('read');
      },
      { what: 'reading rows' },
    );
    expect({ value, calls }).toEqual({ value: 'read', calls: 3 });
    const wrong = Object.assign(new Error('relation "x" does not exist'), { code: '42P01' });
    await expect(retryOnConnectionLoss(() => Promise.reject(wrong), { what: 'reading rows' })).rejects.toBe(
      wrong,
    );
  });

  it('gives up after its attempts with one line naming the operation', async () => {
    const failure = retryOnConnectionLoss(() => Promise.reject(terminated), {
      what: 'claiming rows',
      attempts: 2,
    });
    await expect(failure).rejects.toThrow(ConnectionLostError);
    await expect(
      retryOnConnectionLoss(() => Promise.reject(terminated), { what: 'claiming rows', attempts: 2 }),
    ).rejects.toThrow('claiming rows: the server closed the connection (2 attempts)');
  });
});
