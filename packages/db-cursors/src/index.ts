export { quoteIdentifier, quoteTable, describeTable } from './identifiers.js';
export type { TableName } from './identifiers.js';
// The one definition lives in bench-harness; re-exported because every caller of db-cursors needs it.
export { passwordOf, redact } from '@prepkit/bench-harness/redact';
export {
  BulkWriteError,
  ConnectionError,
  InvalidOptionError,
  QueryError,
  TestDatabaseError,
} from './errors.js';
export { createPool, describeFailure } from './pg/connection.js';
export { checkDatabaseUrl } from './pg/database-url.js';
export type { CreatePoolOptions, PgPoolLike } from './pg/connection.js';
export { keysetPages } from './pg/keyset-pages.js';
export type { KeysetPage, KeysetPagesOptions } from './pg/keyset-pages.js';
export { cursorPages } from './pg/cursor-pages.js';
export type { CursorPagesOptions } from './pg/cursor-pages.js';
export { copyOut, copyOutRows } from './pg/copy-out.js';
export type { CopyBatch, CopyOutOptions } from './pg/copy-out.js';
export type { ColumnKind, ColumnValues, CopyColumn } from './pg/copy-columns.js';
export { bulkInsert, bulkUpdate } from './pg/bulk-write.js';
export type {
  BulkInsertOptions,
  BulkRow,
  BulkUpdateOptions,
  BulkWriteOptions,
  BulkWriteResult,
} from './pg/bulk-write.js';
export { encodeCopyField, encodeCopyRow } from './pg/copy-text-encoder.js';
export { isTransientError, withRetry } from './pg/transient-errors.js';
export { ConnectionLostError, isConnectionLost, retryOnConnectionLoss } from './pg/connection-loss.js';
export type { RetryOptions } from './pg/transient-errors.js';
export type { Int8Mode } from './pg/int8.js';
export { DuckDB, openDuckDB } from './duckdb/duckdb.js';
export type { DuckDBChunk, OpenDuckDBOptions } from './duckdb/duckdb.js';
