import {
  InvalidOptionError,
  assertNonEmptyString,
  assertNonNegativeInteger,
  assertPositiveInteger,
} from '@prepkit/bench-harness/errors';
import { sqlString, writeParquetAtomically } from './parquet-output.js';

export interface GenerateOptions {
  /** Rows to write. */
  measurements: number;
  /** Distinct probes, at most `measurements`. */
  probes: number;
  /** Parquet file to write. */
  output: string;
  /** Replace `output` if it exists. Default: false (an existing file is an error). */
  overwrite?: boolean;
  /** Seed of the values, a non-negative integer. Default: 0. */
  seed?: number;
  /** Aborting it stops the run and leaves no file (the promise rejects with `AbortedError`). */
  signal?: AbortSignal;
}

export type ResolvedGenerateOptions = Readonly<Required<Omit<GenerateOptions, 'signal'>>> & {
  readonly signal: AbortSignal | undefined;
};

export const DEFAULT_GENERATE_OPTIONS = Object.freeze({ overwrite: false, seed: 0 } as const);

/** Fills in the defaults and checks every option once; an error names the option. */
export function resolveGenerateOptions(options: GenerateOptions): ResolvedGenerateOptions {
  const o = {
    ...DEFAULT_GENERATE_OPTIONS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  } as Required<GenerateOptions>;
  assertPositiveInteger('measurements', o.measurements);
  assertPositiveInteger('probes', o.probes);
  if (o.probes > o.measurements)
    throw new InvalidOptionError(
      `options.probes (${o.probes}) must be no larger than options.measurements (${o.measurements})`,
    );
  assertNonNegativeInteger('seed', o.seed);
  assertNonEmptyString('output', o.output);
  return Object.freeze({ ...o, signal: options.signal });
}

/**
 * Writes a synthetic dataset shaped like RIPE Atlas ping results: prb_id, src_addr, dst_addr,
 * event_time (whole seconds, so ties happen), msm_id, rtt_min/avg/max (NULL when nothing came
 * back), sent, rcvd, ttl (sometimes NULL). Measurements per probe are skewed (a few busy probes,
 * a long tail) and the rows are shuffled. Pure SQL in DuckDB, so 20M rows take seconds; the values
 * depend only on the row number and the seed (a multiplicative hash, not DuckDB's random()).
 * The file appears under its name only when complete.
 */
export async function generateMeasurements(options: GenerateOptions): Promise<void> {
  const { measurements, probes, seed, ...output } = resolveGenerateOptions(options);
  // u(k): a number in [0, 1) from the row number i, a salt k and the seed. A linear step alone
  // would make every u(k) of a row move together; squaring modulo the prime 2^31 - 1 decorrelates them.
  const P = 2147483647;
  const u = (k: number) => {
    const x = `(((i + 1) * 2654435761 + ${(k * 40503 + seed * 104729) % P}) % ${P})`;
    return `((${x} * ${x} % ${P} * 48271 + ${k}) % ${P} / ${P}.0)`;
  };
  await writeParquetAtomically({ ...output, what: 'probe-rows generate' }, async (db, path) => {
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
    ) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd, USE_TMP_FILE false)`);
  });
}
