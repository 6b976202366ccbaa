import { join } from 'node:path';
import { quoteIdentifier } from '@prepkit/db-cursors';
import { partitionTask } from './build-context.js';
import type { BuildContext } from './build-context.js';
import type { PartitionTask } from './partition-task.js';
import { orderList, selectList } from './sorted-sql.js';

/**
 * The `streaming` mode's partitions: DuckDB sorts the input into one Parquet file (spilling under its
 * memory limit), and each partition is a row range of whole probes of it, which a worker reads itself
 * (encoded by build-partitioned.ts).
 */
export async function streamingPartitions(c: BuildContext): Promise<PartitionTask[]> {
  const sorted = join(c.scratch, 'sorted.parquet');
  const key = quoteIdentifier(c.schema.groupBy);
  await c.phases.phase('sort', async () => {
    await c.db.run(
      `COPY (SELECT ${selectList(c.schema)} FROM ${c.source} WHERE ${key} IS NOT NULL ORDER BY ${orderList(c.schema)}) ` +
        `TO '${sorted.replace(/'/g, "''")}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 65536)`,
      [...c.params],
    );
  });
  // Partition ends at probe boundaries, about partitionRows apart: the last probe whose running row
  // count falls in each multiple of partitionRows. Computed in DuckDB, so only the ends come back.
  const ends = await c.phases.phase('plan', () =>
    c.db.rows(
      `WITH counts AS (SELECT ${key} AS k, count(*) AS n FROM read_parquet($1) GROUP BY k),
            running AS (SELECT sum(n) OVER (ORDER BY k ASC NULLS LAST ROWS UNBOUNDED PRECEDING) AS upto FROM counts)
       SELECT max(upto) AS row_end FROM running GROUP BY (upto - 1) // ${c.o.partitionRows} ORDER BY row_end`,
      [sorted],
    ),
  );
  const tasks: PartitionTask[] = [];
  let offset = 0;
  for (const { row_end } of ends) {
    const end = Number(row_end);
    tasks.push(partitionTask(c, { kind: 'parquet', path: sorted, offset, limit: end - offset }));
    offset = end;
  }
  return tasks;
}
