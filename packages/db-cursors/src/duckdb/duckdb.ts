import { DuckDBInstance } from '@duckdb/node-api';
import type {
  DuckDBConnection,
  DuckDBDataChunk,
  DuckDBMaterializedResult,
  DuckDBValue,
} from '@duckdb/node-api';
import { QueryError } from '../errors.js';
import { assertPositiveInteger } from '@prepkit/bench-harness/errors';

export interface OpenDuckDBOptions {
  /** Database file; default `:memory:`. */
  path?: string;
  /** DuckDB's `memory_limit`, e.g. `'2GB'`. Default: DuckDB's (80% of RAM). */
  memoryLimit?: string;
  /** Worker threads of DuckDB. Default: DuckDB's (all cores). */
  threads?: number;
  /** Where DuckDB spills when it runs past the memory limit. */
  tempDirectory?: string;
}

export interface DuckDBChunk {
  readonly rowCount: number;
  readonly columnNames: readonly string[];
  /** The raw DuckDB chunk, for vector-level access. */
  readonly chunk: DuckDBDataChunk;
  /** Columns as arrays of JS values (DuckDB's own conversion). */
  columns(): DuckDBValue[][];
}

/**
 * One DuckDB database and connection with its limits set, a streaming reader and `close()`.
 *
 * @example
 * await using db = await openDuckDB({ memoryLimit: '2GB', threads: 2 });
 * for await (const chunk of db.stream('SELECT * FROM read_parquet($1)', [glob])) { … }
 */
export class DuckDB implements AsyncDisposable {
  readonly connection: DuckDBConnection;
  readonly #instance: DuckDBInstance;

  private constructor(instance: DuckDBInstance, connection: DuckDBConnection) {
    this.#instance = instance;
    this.connection = connection;
  }

  static async open(options: OpenDuckDBOptions = {}): Promise<DuckDB> {
    const config: Record<string, string> = {};
    if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit;
    if (options.threads !== undefined) {
      assertPositiveInteger('threads', options.threads);
      config.threads = String(options.threads);
    }
    if (options.tempDirectory !== undefined) config.temp_directory = options.tempDirectory;
    const instance = await DuckDBInstance.create(options.path ?? ':memory:', config);
    return new DuckDB(instance, await instance.connect());
  }

  /** Runs a statement (COPY, CREATE, INSERT …) with `$1…` or `?` parameters; the whole result in memory. */
  async run(sql: string, params?: DuckDBValue[]): Promise<DuckDBMaterializedResult> {
    try {
      return await this.connection.run(sql, params);
    } catch (error) {
      throw new QueryError(`DuckDB: ${error instanceof Error ? error.message : String(error)}`, undefined, {
        cause: error,
      });
    }
  }

  /** The rows of a query as plain objects (small results only). */
  async rows(sql: string, params?: DuckDBValue[]): Promise<Record<string, DuckDBValue>[]> {
    return (await this.run(sql, params)).getRowObjects();
  }

  /** Streams a query's result chunk by chunk (about 2,048 rows each), never holding it whole. */
  async *stream(sql: string, params?: DuckDBValue[]): AsyncGenerator<DuckDBChunk> {
    let result;
    try {
      result = await this.connection.stream(sql, params);
    } catch (error) {
      throw new QueryError(`DuckDB: ${error instanceof Error ? error.message : String(error)}`, undefined, {
        cause: error,
      });
    }
    const columnNames = result.columnNames();
    for (;;) {
      const chunk = await result.fetchChunk();
      if (chunk === null || chunk.rowCount === 0) return;
      yield { rowCount: chunk.rowCount, columnNames, chunk, columns: () => chunk.getColumns() };
    }
  }

  close(): void {
    this.connection.closeSync();
    this.#instance.closeSync();
  }

  [Symbol.asyncDispose](): Promise<void> {
    this.close();
    return Promise.resolve();
  }
}

/** Opens a DuckDB database (in memory unless `path`) with a memory limit and thread count. */
export function openDuckDB(options: OpenDuckDBOptions = {}): Promise<DuckDB> {
  return DuckDB.open(options);
}
