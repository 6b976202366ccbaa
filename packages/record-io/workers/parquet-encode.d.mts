export interface EncodeSettings {
  readonly compression: 'zstd' | 'snappy' | 'gzip' | 'none';
  /** Rows in this row group. */
  readonly rows: number;
  /** Columns to try dictionary encoding on. */
  readonly dictionaryColumns: readonly string[];
  /** Key-value metadata for the footer. */
  readonly metadata: readonly (readonly [string, string])[];
}

export interface EncodeTask {
  /** One row group as an Arrow IPC stream. */
  readonly ipc: Uint8Array;
  readonly settings: EncodeSettings;
}

export declare function encodeRowGroup(task: EncodeTask): Uint8Array;
declare function encodeRowGroupTask(task: EncodeTask): Uint8Array;
export default encodeRowGroupTask;
