// Encodes one row group (an Arrow IPC stream) into a complete one-row-group Parquet file with
// parquet-wasm. Plain JavaScript because it runs on worker threads (where no TypeScript loader is
// guaranteed); ParquetWriter also imports `encodeRowGroup` to encode on its own thread.
import { Compression, EnabledStatistics, Table, WriterPropertiesBuilder, writeParquet } from 'parquet-wasm';
import { moveResult } from '@prepkit/worker-pool';

const CODECS = {
  zstd: Compression.ZSTD,
  snappy: Compression.SNAPPY,
  gzip: Compression.GZIP,
  none: Compression.UNCOMPRESSED,
};

/** @param {import('./parquet-encode.d.mts').EncodeTask} task */
export function encodeRowGroup({ ipc, settings }) {
  let builder = new WriterPropertiesBuilder()
    .setCompression(CODECS[settings.compression])
    // One task is one row group, whatever its size.
    .setMaxRowGroupSize(Math.max(1, settings.rows))
    .setDictionaryEnabled(false)
    // Column-chunk statistics only: page indexes are dropped when parts are joined.
    .setStatisticsEnabled(EnabledStatistics.Chunk);
  for (const column of settings.dictionaryColumns) builder = builder.setColumnDictionaryEnabled(column, true);
  if (settings.metadata.length > 0) builder = builder.setKeyValueMetadata(new Map(settings.metadata));
  // writeParquet takes ownership of the Wasm table (and frees it).
  return writeParquet(Table.fromIPCStream(ipc), builder.build());
}

/** The worker-pool task: the Parquet bytes move back to the caller instead of being copied. */
export default function encodeRowGroupTask(task) {
  return moveResult(encodeRowGroup(task));
}
