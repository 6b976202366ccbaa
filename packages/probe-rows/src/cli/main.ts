import { DataType } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { RunReporter, formatBytes } from '@prepkit/bench-harness';
import type { CliIo } from '@prepkit/bench-harness';
import { buildProbeRows } from '../build.js';
import { ProbeRowsError } from '../errors.js';
import { generateMeasurements } from '../generate.js';
import { importAtlas } from '../import-atlas.js';
import { inspectOutput } from '../inspect.js';
import { UsageError, parseArgs } from './parse-args.js';

/**
 * Runs the CLI and returns its exit code: 0 done, 2 bad arguments or input, 1 unexpected failure,
 * 130 interrupted (Ctrl-C), after removing any half-written output.
 */
export async function main(
  argv: readonly string[],
  io: CliIo = process,
  signal?: AbortSignal,
): Promise<number> {
  try {
    const parsed = parseArgs(argv);
    switch (parsed.command) {
      case 'help':
        io.stdout.write(parsed.text);
        return 0;
      case 'build': {
        const reporter = new RunReporter({
          name: 'probe-rows build',
          json: parsed.json,
          quiet: parsed.quiet,
          stderr: io.stderr,
          stdout: io.stdout,
        });
        try {
          const result = await buildProbeRows(
            { ...parsed.options, ...(signal === undefined ? {} : { signal }) },
            reporter,
          );
          reporter.set('result', result);
          for (const side of ['train', 'test'] as const) {
            reporter.count(`${side}_probes`, result[side].probes);
            reporter.count(`${side}_measurements`, result[side].measurements);
          }
          reporter.finish();
          return 0;
        } catch (error) {
          // Bad input gets its one-line message below; the report says "failed" only where asked for JSON.
          if (parsed.json || !(error instanceof ProbeRowsError)) reporter.finish(error);
          throw error;
        }
      }
      case 'inspect': {
        const inspection = await inspectOutput(parsed.target);
        if (parsed.json) {
          io.stdout.write(
            `${JSON.stringify({ ...inspection, files: inspection.files.map(({ sample: _sample, ...f }) => f) })}\n`,
          );
        } else {
          for (const f of inspection.files) {
            io.stdout.write(
              `${f.path}: ${f.records} records (probes), ${f.measurements} measurements, ${formatBytes(f.bytes)}\n` +
                `  record bytes min/mean/max: ${f.recordBytes.min} / ${f.recordBytes.mean.toFixed(0)} / ${f.recordBytes.max}\n` +
                `  keys: ${f.keyRange === null ? '(none)' : `${f.keyRange[0]} … ${f.keyRange[1]}`}\n` +
                `  options: ${f.writerOptions}\n`,
            );
            if (f.sample !== null) io.stdout.write(`  first record:\n${sampleTable(f.sample)}\n`);
          }
          if (inspection.manifest !== null) {
            io.stdout.write(
              inspection.manifest.ok
                ? `manifest.json: ${inspection.manifest.checked} files match\n`
                : `manifest.json: MISMATCH ${JSON.stringify(inspection.manifest.problems)}\n`,
            );
          }
        }
        return inspection.manifest === null || inspection.manifest.ok ? 0 : 2;
      }
      case 'generate':
        await generateMeasurements(parsed);
        io.stderr.write(
          `wrote ${parsed.measurements} measurements of ${parsed.probes} probes to ${parsed.output}\n`,
        );
        return 0;
      case 'import-atlas': {
        const result = await importAtlas(parsed);
        io.stdout.write(
          parsed.json
            ? `${JSON.stringify(result)}\n`
            : `imported ${result.rows} results (${result.failedPings} failed pings) into ${parsed.output}\n`,
        );
        return 0;
      }
    }
  } catch (error) {
    if (signal?.aborted === true) {
      io.stderr.write('probe-rows: interrupted; no output was left behind\n');
      return 130;
    }
    if (error instanceof UsageError || error instanceof ProbeRowsError) {
      io.stderr.write(`probe-rows: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(
      `probe-rows: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

/** The first rows of a record as an aligned text table, timestamps in ISO 8601. */
function sampleTable(table: Table): string {
  const columns = table.schema.fields.map((f) => f.name);
  const isTime = table.schema.fields.map((f) => DataType.isTimestamp(f.type));
  const records: Record<string, string>[] = Array.from({ length: Math.min(5, table.numRows) }, (_, row) =>
    Object.fromEntries(
      columns.map((name, i) => {
        const value: unknown = table.getChildAt(i)?.get(row);
        return [
          name,
          value === null ? 'null' : isTime[i] ? new Date(Number(value)).toISOString() : display(value),
        ];
      }),
    ),
  );
  const widths = columns.map((c) => Math.max(c.length, ...records.map((r) => (r[c] as string).length)));
  const line = (cells: string[]) => `    ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`;
  return [line(columns), ...records.map((r) => line(columns.map((c) => r[c] as string)))].join('\n');
}

function display(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return `${value}`;
  return JSON.stringify(value) ?? 'undefined';
}
