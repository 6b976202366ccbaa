import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { openDuckDB } from '@prepkit/db-cursors';
import { ProbeRowsInputError } from './errors.js';

export interface GenerateOptions {
  measurements: number;
  probes: number;
  /** Parquet file to write. */
  output: string;
  /** Default: 0. */
  seed?: number;
}

/**
 * Writes a synthetic dataset shaped like RIPE Atlas ping results: prb_id, src_addr, dst_addr,
 * event_time (whole seconds, so ties happen), msm_id, rtt_min/avg/max (NULL when nothing came
 * back), sent, rcvd, ttl (sometimes NULL). Measurements per probe are skewed (a few busy probes,
 * a long tail) and the rows are shuffled. Pure SQL in DuckDB, so 20M rows take seconds; the values
 * depend only on the row number and the seed (a multiplicative hash, not DuckDB's random()).
 */
export async function generateMeasurements(options: GenerateOptions): Promise<void> {
  const { measurements, probes } = options;
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(measurements) || measurements < 1)
    throw new ProbeRowsInputError('--measurements must be a positive integer');
  if (!Number.isSafeInteger(probes) || probes < 1 || probes > measurements) {
    throw new ProbeRowsInputError('--probes must be a positive integer no larger than --measurements');
  }
  if (!Number.isSafeInteger(seed) || seed < 0)
    throw new ProbeRowsInputError('--seed must be a non-negative integer');
  const output = resolve(options.output);
  await mkdir(dirname(output), { recursive: true });
  // u(k): a number in [0, 1) from the row number i, a salt k and the seed. A linear step alone
  // would make every u(k) of a row move together; squaring modulo the prime 2^31 - 1 decorrelates them.
  const P = 2147483647;
  const u = (k: number) => {
    const x = `(((i + 1) * 2654435761 + ${(k * 40503 + seed * 104729) % P}) % ${P})`;
    return `((${x} * ${x} % ${P} * 48271 + ${k}) % ${P} / ${P}.0)`;
  };
  await using db = await openDuckDB();
  await db.run(`
    COPY (
      WITH raw AS (
        SELECT i, floor(${probes} * pow(${u(1)}, 2))::BIGINT AS p, ${u(2)} AS u2, ${u(3)} AS u3, ${u(4)} AS u4,
               ${u(5)} AS u5, ${u(6)} AS u6, ${u(7)} AS u7, ${u(8)} AS u8
        FROM range(${measurements}) AS t(i)
      ), rows AS (
        SELECT i, p, u8,
               CASE WHEN u4 < 0.05 THEN 0 WHEN u4 < 0.08 THEN 2 ELSE 3 END AS rcvd,
               1000000 + floor(u2 * 40)::BIGINT AS msm,
               5 + 80 * u6 + (p % 17) AS base, u5, u7, u3
        FROM raw
      )
      SELECT
        (1000 + p)::BIGINT AS prb_id,
        '10.' || (p // 65536) || '.' || ((p // 256) % 256) || '.' || (p % 256) AS src_addr,
        '193.0.' || (msm % 14) || '.' || ((msm * 7) % 250) AS dst_addr,
        TIMESTAMPTZ '2024-01-01 00:00:00+00' + to_seconds(floor(u3 * 2592000)::BIGINT) AS event_time,
        msm AS msm_id,
        CASE WHEN rcvd = 0 THEN NULL ELSE round(base, 3) END::DOUBLE AS rtt_min,
        CASE WHEN rcvd = 0 THEN NULL ELSE round(base * (1 + u5 / 5), 3) END::DOUBLE AS rtt_avg,
        CASE WHEN rcvd = 0 THEN NULL ELSE round(base * (1 + u5 / 2), 3) END::DOUBLE AS rtt_max,
        3::INTEGER AS sent,
        rcvd::INTEGER AS rcvd,
        CASE WHEN u7 < 0.02 THEN NULL ELSE (40 + floor(u7 * 24))::INTEGER END AS ttl
      FROM rows
      ORDER BY u8
    ) TO '${output.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION zstd)`);
}
