import { PrepkitError } from '@prepkit/bench-harness/errors';
import { describe, expect, it } from 'vitest';
import * as arrayRecordApi from '../src/arrayrecord/index.js';
import * as api from '../src/index.js';

// Pins the public API: an export added or removed on purpose updates this list in the same change.
// ArrayRecord's names come from src/arrayrecord/index.ts and are pinned with it.
describe('@prepkit/record-io exports', () => {
  it('exports exactly the documented names', () => {
    const names = Object.keys(api).filter((name) => !(name in arrayRecordApi));
    expect(names.sort()).toEqual(
      [
        'AtomicFile',
        'AtomicFileStateError',
        'DEFAULT_JSONL_READER_OPTIONS',
        'DEFAULT_JSONL_WRITER_OPTIONS',
        'DEFAULT_PARQUET_READER_OPTIONS',
        'DEFAULT_PARQUET_WRITER_OPTIONS',
        'InvalidOptionError',
        'JsonlMalformedError',
        'JsonlReader',
        'JsonlRecordError',
        'JsonlWriter',
        'MANIFEST_FILE',
        'MANIFEST_VERSION',
        'ManifestError',
        'ManifestMismatchError',
        'OutputExistsError',
        'OutputLocationError',
        'OutputSet',
        'ParquetBatchError',
        'ParquetIoError',
        'ParquetWriter',
        'ShardNameError',
        'arrowSchemaFor',
        'beginOutputSet',
        'outputLocationError',
        'prepareOutputDirectory',
        'removeStaleTemporaries',
        'arrowTypeFor',
        'assertVerified',
        'encodeStrings',
        'openAtomicFile',
        'openJsonlWriter',
        'openParquetWriter',
        'parseShardName',
        'parseShardSpec',
        'readJsonl',
        'readManifest',
        'readParquetBatches',
        'readParquetMetadata',
        'recordBatchFrom',
        'resolveJsonlReaderOptions',
        'resolveJsonlWriterOptions',
        'resolveParquetWriterOptions',
        'shardName',
        'shardNames',
        'shardOf',
        'stableUnit',
        'temporaryPathFor',
        'verify',
        'writeJsonl',
        'writeManifest',
      ].sort(),
    );
  });

  it("gives every error class a stable code, a kind and prepkit's one base class", () => {
    const error = new api.ShardNameError('x');
    expect(error).toBeInstanceOf(PrepkitError);
    expect(error.kind).toBe('input');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('ShardNameError');
    expect(error.code).toBe('PREPKIT_SHARD_NAME_INVALID');
  });
});
