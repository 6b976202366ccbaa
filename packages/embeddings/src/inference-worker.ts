// Worker-thread entry of embeddings: runs model batches (see inference.ts). The ONNX Runtime call
// is synchronous on its thread, so it runs here, leaving the main thread free to fetch, tokenise
// and write while the model works.
import { openEncoderSession, runBatch } from './inference.js';
import type { BatchResult, BatchTask, EncoderSession } from './inference.js';

let cache: { key: string; encoder: Promise<EncoderSession> } | undefined;

export default async function run(task: BatchTask): Promise<BatchResult> {
  const key = JSON.stringify([task.modelPath, task.threads, task.device]);
  if (cache?.key !== key)
    cache = { key, encoder: openEncoderSession(task.modelPath, task.threads, task.device) };
  // Vectors are small (texts × dim floats): copying them back costs less than a transfer list.
  return runBatch(await cache.encoder, task);
}
