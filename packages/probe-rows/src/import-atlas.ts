import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { openDuckDB } from '@prepkit/db-cursors';
import { ProbeRowsInputError } from './errors.js';

export interface ImportAtlasOptions {
  /** RIPE Atlas ping results: JSON lines, a JSON array, or one object per file. */
  inputs: readonly string[];
  /** Parquet file to write. */
  output: string;
}

export interface ImportAtlasResult {
  readonly rows: number;
  /** Results whose ping failed entirely (min/avg/max of -1): kept, with NULL round-trip times. */
  readonly failedPings: number;
}

// Every field a ping result may carry, under both current and old-firmware names, read as text
// so that numbers written as strings (old firmware) parse too; a missing field is NULL.
const FIELDS = [
  'prb_id',
  'from',
  'src_addr',
  'srcaddr',
  'dst_addr',
  'addr',
  'dst_name',
  'timestamp',
  'msm_id',
  'min',
  'avg',
  'max',
  'sent',
  'rcvd',
  'ttl',
  'type',
];

/**
 * Converts RIPE Atlas ping results (see the package README, `import-atlas`) into Parquet with the columns
 * probe-rows expects: prb_id, src_addr, dst_addr, event_time, msm_id, rtt_min, rtt_avg, rtt_max,
 * sent, rcvd, ttl. DuckDB parses the JSON; a malformed line stops the import with DuckDB's message,
 * which names the file and line.
 */
export async function importAtlas(options: ImportAtlasOptions): Promise<ImportAtlasResult> {
  if (options.inputs.length === 0) throw new ProbeRowsInputError('name at least one RIPE Atlas results file');
  const output = resolve(options.output);
  await mkdir(dirname(output), { recursive: true });
  await using db = await openDuckDB();
  const columns = `{${FIELDS.map((f) => `'${f}': 'VARCHAR'`).join(', ')}}`;
  const files = options.inputs.map((_, i) => `$${i + 1}`).join(', ');
  const num = (expr: string, type: string) => `TRY_CAST(${expr} AS ${type})`;
  // A failed ping reports -1 for min/avg/max: NULL here, so averages are not poisoned.
  const rtt = (field: string) =>
    `CASE WHEN ${num(`"${field}"`, 'DOUBLE')} < 0 THEN NULL ELSE ${num(`"${field}"`, 'DOUBLE')} END`;
  const select = `
    SELECT ${num('prb_id', 'BIGINT')} AS prb_id,
           COALESCE(src_addr, srcaddr, "from") AS src_addr,
           COALESCE(dst_addr, addr, dst_name) AS dst_addr,
           to_timestamp(${num('"timestamp"', 'BIGINT')}) AS event_time,
           ${num('msm_id', 'BIGINT')} AS msm_id,
           ${rtt('min')} AS rtt_min, ${rtt('avg')} AS rtt_avg, ${rtt('max')} AS rtt_max,
           ${num('sent', 'INTEGER')} AS sent, ${num('rcvd', 'INTEGER')} AS rcvd, ${num('ttl', 'INTEGER')} AS ttl,
           ${num('"min"', 'DOUBLE')} = -1 AS failed
    FROM read_json([${files}], format = 'auto', columns = ${columns})
    WHERE type IS NULL OR type = 'ping'`;
  try {
    const [counts] = await db.rows(
      `SELECT count(*) AS n, count(*) FILTER (WHERE failed) AS failed FROM (${select})`,
      [...options.inputs],
    );
    await db.run(
      `COPY (SELECT * EXCLUDE (failed) FROM (${select})) TO '${output.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION zstd)`,
      [...options.inputs],
    );
    return { rows: Number(counts?.n ?? 0), failedPings: Number(counts?.failed ?? 0) };
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error))
      .replace(/^DuckDB: /, '')
      .split('\n')[0];
    throw new ProbeRowsInputError(`cannot import ${options.inputs.join(', ')}: ${reason}`, { cause: error });
  }
}
