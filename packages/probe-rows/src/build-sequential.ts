import { throwIfAborted } from '@prepkit/bench-harness/errors';
import { quoteIdentifier } from '@prepkit/db-cursors';
import { addTotals, emptyTotals } from './build-context.js';
import type { BuildContext, Totals } from './build-context.js';
import { ColumnBuilder } from './column-builder.js';
import { IpcRecordEncoder } from './ipc-record-encoder.js';
import { encodeProbes } from './probe-encoding.js';
import { orderList, selectList } from './sorted-sql.js';

/** The `sequential` mode, the baseline: one query per probe, encoded on this thread, as the original did. */
export async function buildSequential(c: BuildContext): Promise<Totals> {
  const key = quoteIdentifier(c.schema.groupBy);
  const keys = await c.db.rows(
    `SELECT DISTINCT ${key} AS k FROM ${c.source} WHERE ${key} IS NOT NULL ORDER BY k`,
    [...c.params],
  );
  const encoder = new IpcRecordEncoder(c.schema.columns);
  const perProbe = `SELECT ${selectList(c.schema)} FROM ${c.source} WHERE ${key} = $${c.params.length + 1} ORDER BY ${orderList(c.schema)}`;
  const totals = emptyTotals();
  await c.phases.phase(
    'encode',
    async (phase) => {
      phase.setTotal(keys.length);
      for (const { k } of keys) {
        throwIfAborted(c.o.signal, 'probe-rows build');
        const builders = c.schema.columns.map((spec) => new ColumnBuilder(spec, 64));
        for await (const chunk of c.db.stream(perProbe, [...c.params, k!]))
          appendChunk(builders, chunk.columns());
        const probes = encodeProbes(
          builders.map((b) => b.finish()),
          encoder,
          { ...c.o, shards: c.writers.train.length },
        );
        // Each record goes to the file of its key's shard (shardOf), as in the partitioned modes.
        for (const [i, record] of probes.train.entries())
          await c.writers.train[probes.trainShards[i]!]!.write(record);
        for (const [i, record] of probes.test.entries())
          await c.writers.test[probes.testShards[i]!]!.write(record);
        addTotals(totals, {
          trainProbes: probes.train.length,
          testProbes: probes.test.length,
          trainRows: probes.trainRows,
          testRows: probes.testRows,
          minRecordBytes: probes.minRecordBytes,
          maxRecordBytes: probes.maxRecordBytes,
        });
        phase.advance();
      }
    },
    { unit: 'probes' },
  );
  return totals;
}

function appendChunk(builders: ColumnBuilder[], columns: readonly (readonly unknown[])[]): void {
  const rows = columns[0]?.length ?? 0;
  for (let row = 0; row < rows; row++)
    for (let i = 0; i < builders.length; i++) builders[i]!.push(columns[i]![row]);
}
