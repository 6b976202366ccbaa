// Worker-thread entry of probe-rows: encodes partitions (see partition-encoder.ts).
import { moveResult } from '@prepkit/worker-pool';
import { encodePartition } from './partition-encoder.js';
import type { PartitionTask } from './partition-task.js';

export default async function run(task: PartitionTask): Promise<ArrayBuffer> {
  return moveResult(await encodePartition(task));
}
