import { quoteIdentifier } from '@prepkit/db-cursors';
import { partitionTask } from './build-context.js';
import type { BuildContext } from './build-context.js';
import { ColumnBuilder } from './column-builder.js';
import type { PartitionTask } from './partition-task.js';
import { orderList, selectList } from './sorted-sql.js';

/**
 * The `parallel` mode's partitions: one sorted query streamed into memory, cut into partitions of
 * whole probes about `partitionRows` long (encoded by build-partitioned.ts).
 */
export async function* parallelPartitions(c: BuildContext): AsyncGenerator<PartitionTask> {
  const key = quoteIdentifier(c.schema.groupBy);
  const query = `SELECT ${selectList(c.schema)} FROM ${c.source} WHERE ${key} IS NOT NULL ORDER BY ${orderList(c.schema)}`;
  const newBuilders = () => c.schema.columns.map((spec) => new ColumnBuilder(spec, c.o.partitionRows));
  let builders = newBuilders();
  let lastKey: unknown;
  for await (const chunk of c.db.stream(query, [...c.params])) {
    const columns = chunk.columns();
    const keys = columns[0]!;
    for (let row = 0; row < chunk.rowCount; row++) {
      const k = keys[row];
      if (builders[0]!.length >= c.o.partitionRows && !sameValue(k, lastKey)) {
        yield partitionTask(c, { kind: 'columns', columns: builders.map((b) => b.finish()) });
        builders = newBuilders();
      }
      for (let i = 0; i < builders.length; i++) builders[i]!.push(columns[i]![row]);
      lastKey = k;
    }
  }
  if (builders[0]!.length > 0)
    yield partitionTask(c, { kind: 'columns', columns: builders.map((b) => b.finish()) });
}

/** Key equality for DuckDB's JS values: timestamps arrive as objects holding `micros`. */
function sameValue(a: unknown, b: unknown): boolean {
  return primitive(a) === primitive(b);
}

function primitive(value: unknown): unknown {
  return typeof value === 'object' && value !== null && 'micros' in value
    ? (value as { micros: bigint }).micros
    : value;
}
