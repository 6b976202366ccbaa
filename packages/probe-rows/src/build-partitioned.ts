import { dealEncoded } from '@prepkit/record-io';
import type { ArrayRecordWriter } from '@prepkit/record-io';
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
        await writeDealt(c.writers.train, result.train, totals.trainProbes);
        await writeDealt(c.writers.test, result.test, totals.testProbes);
        addTotals(totals, { ...result, minRecordBytes: result.minRecordBytes || Infinity });
        phase.advance(result.trainRows + result.testRows);
      }
    },
    { unit: 'measurements' },
  );
  return totals;
}

/** Appends encoded records, dealt round-robin over the shards; `dealt` counts the records before them. */
async function writeDealt(
  writers: readonly ArrayRecordWriter[],
  encoded: ArrayBuffer,
  dealt: number,
): Promise<void> {
  if (writers.length === 1) return writers[0]!.writeEncoded(encoded);
  const hands = dealEncoded(encoded, writers.length, dealt);
  for (let i = 0; i < writers.length; i++) await writers[i]!.writeEncoded(hands[i]!);
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
