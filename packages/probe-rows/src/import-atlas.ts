import { InvalidOptionError, assertNonEmptyString } from '@prepkit/bench-harness/errors';
import { duckdbErrorType, duckdbReason } from './duckdb.js';
import { ProbeRowsInputError } from './errors.js';
import { sqlString, writeParquetAtomically } from './parquet-output.js';

export interface ImportAtlasOptions {
  /** RIPE Atlas ping results: JSON lines, a JSON array, or one object per file. */
  inputs: readonly string[];
  /** Parquet file to write. */
  output: string;
  /** Replace `output` if it exists. Default: false (an existing file is an error). */
  overwrite?: boolean;
  /** Aborting it stops the run and leaves no file (the promise rejects with `AbortedError`). */
  signal?: AbortSignal;
}

export type ResolvedImportAtlasOptions = Readonly<Required<Omit<ImportAtlasOptions, 'signal'>>> & {
  readonly signal: AbortSignal | undefined;
};

export const DEFAULT_IMPORT_ATLAS_OPTIONS = Object.freeze({ overwrite: false } as const);

/** Fills in the defaults and checks every option once; an error names the option. */
export function resolveImportAtlasOptions(options: ImportAtlasOptions): ResolvedImportAtlasOptions {
  if (options.inputs.length === 0)
    throw new InvalidOptionError('options.inputs must name at least one RIPE Atlas results file');
  options.inputs.forEach((file, i) => assertNonEmptyString(`inputs[${i}]`, file));
  assertNonEmptyString('output', options.output);
  return Object.freeze({
    inputs: [...options.inputs],
    output: options.output,
    overwrite: options.overwrite ?? DEFAULT_IMPORT_ATLAS_OPTIONS.overwrite,
    signal: options.signal,
  });
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
 * which names the file and line. The file appears under its name only when complete.
 */
export async function importAtlas(options: ImportAtlasOptions): Promise<ImportAtlasResult> {
  const { inputs, ...output } = resolveImportAtlasOptions(options);
  const columns = `{${FIELDS.map((f) => `'${f}': 'VARCHAR'`).join(', ')}}`;
  const files = inputs.map((_, i) => `$${i + 1}`).join(', ');
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
  return writeParquetAtomically({ ...output, what: 'probe-rows import-atlas' }, async (db, path) => {
    try {
      const [counts] = await db.rows(
        `SELECT count(*) AS n, count(*) FILTER (WHERE failed) AS failed FROM (${select})`,
        [...inputs],
      );
      await db.run(
        `COPY (SELECT * EXCLUDE (failed) FROM (${select})) TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd, USE_TMP_FILE false)`,
        [...inputs],
      );
      return { rows: Number(counts?.n ?? 0), failedPings: Number(counts?.failed ?? 0) };
    } catch (error) {
      // A file DuckDB cannot find or parse is the input's fault; anything else is reported as it is.
      const type = duckdbErrorType(error);
      if (type !== 'IO' && type !== 'Invalid Input') throw error;
      throw new ProbeRowsInputError(`cannot import ${inputs.join(', ')}: ${duckdbReason(error)}`, {
        cause: error,
      });
    }
  });
}
