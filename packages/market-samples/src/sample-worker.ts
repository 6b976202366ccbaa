// Worker-thread entry of market-samples: computes chunks of samples (see sample-chunk.ts).
import { workerData } from 'node:worker_threads';
import { moveResult } from '@prepkit/worker-pool';
import { computeChunk } from './sample-chunk.js';
import type { ChunkContext, ChunkTask } from './sample-chunk.js';

const context = workerData as ChunkContext;

export default function run(task: ChunkTask): ArrayBuffer {
  return moveResult(computeChunk(context, task));
}
