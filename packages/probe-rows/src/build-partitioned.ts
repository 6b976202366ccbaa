import { WorkerPool, workerModule } from '@prepkit/worker-pool';
import { addTotals, emptyTotals } from './build-context.js';
import type { BuildContext, Totals } from './build-context.js';
import { parallelPartitions } from './build-parallel.js';
import { streamingPartitions } from './build-streaming.js';
import { unpackResult } from './partition-task.js';
import type { PartitionTask } from './partition-task.js';

/**
 * The `parallel` and `streaming` modes: ordered partitions of whole probes, encoded into compressed
 * ArrayRecord chunks on worker threads, appended in order by this thread.
 */
export async function buildPartitioned(c: BuildContext): Promise<Totals> {
  const tasks = c.o.mode === 'streaming' ? await streamingPartitions(c) : parallelPartitions(c);
  await using pool = new WorkerPool<PartitionTask, ArrayBuffer>({
    filename: workerModule(import.meta.url, 'partition-worker'),
    threads: c.o.threads,
  });
  const totals = emptyTotals();
  await c.phases.phase(
    'encode',
    async (phase) => {
      phase.setTotal(c.totalRows);
      for await (const packed of pool.map(tasks, { signal: c.o.signal, transfer: transferList })) {
        const result = unpackResult(packed);
        // Each file's chunks come apart from the worker (split by shardOf), in key order.
        for (const [i, writer] of c.writers.train.entries()) await writer.writeEncoded(result.train[i]!);
        for (const [i, writer] of c.writers.test.entries()) await writer.writeEncoded(result.test[i]!);
        addTotals(totals, { ...result, minRecordBytes: result.minRecordBytes || Infinity });
        phase.advance(result.trainRows + result.testRows);
      }
    },
    { unit: 'measurements' },
  );
  return totals;
}

/** The column buffers of a task are moved to the worker, not copied. */
function transferList(t: PartitionTask): ArrayBuffer[] {
  if (t.source.kind !== 'columns') return [];
  return t.source.columns.flatMap((col) =>
    [col.values, col.offsets, col.bytes, col.valid]
      .filter((b) => b !== null)
      .map((b) => b.buffer as ArrayBuffer),
  );
}
