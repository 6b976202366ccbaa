// Worker side of ArrayRecordWriter: encodes a batch of chunks (compression and hashes) off the
// writer's thread. Loaded by @prepkit/worker-pool.
import { moveResult } from '@prepkit/worker-pool';
import { encodePacked } from './chunk-encoder.js';
import type { EncodedBatch, PackedRecords } from './chunk-encoder.js';
import { initCodecs } from './codecs.js';
import { loadRiegeliHash } from './riegeli-hash.js';

await initCodecs();
const hash = await loadRiegeliHash();

export default function encodeBatch(task: PackedRecords): EncodedBatch {
  const encoded = encodePacked(task, hash);
  // The records' buffer goes back with the chunks, for the writer to fill again.
  return moveResult({ encoded, records: task.buffer }, [encoded, task.buffer]);
}
