// Worker side of the formatting step, loaded by @prepkit/worker-pool: one task is one batch of examples.
import { formatBatch } from './format-batch.js';
import type { FormatResult, FormatTask } from './format-batch.js';

export default function formatTask(task: FormatTask): FormatResult {
  return formatBatch(task);
}
