import { describe, expect, it } from 'vitest';
import { createPool } from '../src/index.js';
import { useTestDatabase } from '../src/testing/index.js';

const db = useTestDatabase();

describe('createPool', () => {
  it('turns on server-side TCP keepalives, so a vanished client is dropped in minutes, not hours', async () => {
    const pool = createPool(db.url, { max: 1 });
    try {
      const { rows } = await pool.query<Record<string, string>>(
        "SELECT current_setting('tcp_keepalives_idle') AS idle, current_setting('tcp_keepalives_interval') AS interval, " +
          "current_setting('tcp_keepalives_count') AS count, current_setting('application_name') AS app",
      );
      expect(rows[0]).toEqual({ idle: '60', interval: '10', count: '6', app: 'prepkit' });
    } finally {
      await pool.end();
    }
  });

  it("keeps the keepalives beside a caller's own server options (a read-only pool)", async () => {
    const pool = createPool(db.url, { max: 1, options: '-c default_transaction_read_only=on' });
    try {
      const { rows } = await pool.query<Record<string, string>>(
        "SELECT current_setting('tcp_keepalives_idle') AS idle, current_setting('default_transaction_read_only') AS ro",
      );
      expect(rows[0]).toEqual({ idle: '60', ro: 'on' });
    } finally {
      await pool.end();
    }
  });

  it("keeps a URL's own options", async () => {
    const url = new URL(db.url);
    url.searchParams.set('options', '-c tcp_keepalives_idle=30');
    const pool = createPool(url.href, { max: 1 });
    try {
      const { rows } = await pool.query<{ idle: string }>(
        "SELECT current_setting('tcp_keepalives_idle') AS idle",
      );
      expect(rows[0]!.idle).toBe('30');
    } finally {
      await pool.end();
    }
  });
});
