import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { onTestFinished } from 'vitest';

/** A fresh directory, removed when the current test finishes. */
export async function tempDir(): Promise<string> {
  const dir = await makeTempDir();
  onTestFinished(() => removeDir(dir));
  return dir;
}

/** A fresh directory for a `beforeAll`; remove it with `removeDir` (return that from the hook). */
export function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'prepkit-record-io-test-'));
}

export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/** An in-memory DuckDB for one test file; close it in afterAll. */
export async function openDuckDb(): Promise<{ connection: DuckDBConnection; close(): void }> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  return {
    connection,
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Rows as plain JS objects (BIGINT → bigint, lists → arrays). */
export async function query(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJS();
}

/** A SQL string literal for our own temporary paths. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
