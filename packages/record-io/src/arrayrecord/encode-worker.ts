// Worker side of ArrayRecordWriter: encodes a batch of chunks (compression and hashes) off the
// writer's thread. Loaded by @prepkit/worker-pool.
import { moveResult } from '@prepkit/worker-pool';
import { encodePacked, packEncoded } from './chunk-encoder.js';
import type { PackedRecords } from './chunk-encoder.js';
import { initCodecs } from './codecs.js';
import { loadRiegeliHash } from './riegeli-hash.js';

await initCodecs();
const hash = await loadRiegeliHash();

export default function encodeBatch(task: PackedRecords): ArrayBuffer {
  return moveResult(packEncoded(encodePacked(task, hash)));
}
