import { DataType } from 'apache-arrow';
import type { Table } from 'apache-arrow';
import { RunReporter, formatBytes } from '@prepkit/bench-harness';
import { reportFailure } from '@prepkit/bench-harness/cli';
import type { CliIo } from '@prepkit/bench-harness/cli';
import { runClusterCommand } from '@prepkit/job-queue/cli';
import {
  buildProbeRows,
  generateMeasurements,
  importAtlas,
  inspectOutput,
  mergeShards,
  probeRowsRun,
} from '../index.js';
import type { Inspection } from '../index.js';
import { parseArgs } from './parse-args.js';

/**
 * Runs the CLI and returns its exit code: 0 done, 2 bad arguments or input, 1 unexpected failure,
 * 130 interrupted (`io.signal`, Ctrl-C), after removing any half-written output.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  // A failed build still ends its JSON report, so stdout stays one JSON object.
  let jsonReport: RunReporter | undefined;
  try {
    const parsed = parseArgs(argv, io.env);
    const signal = io.signal;
    switch (parsed.command) {
      case 'help':
        io.stdout.write(parsed.text);
        return 0;
      case 'build': {
        const { json, quiet } = parsed;
        const reporter = new RunReporter({
          name: 'probe-rows build',
          json,
          quiet,
          stderr: io.stderr,
          stdout: io.stdout,
        });
        if (json) jsonReport = reporter;
        const result = await buildProbeRows({ ...parsed.options, reporter, signal });
        reporter.set('result', result);
        for (const side of ['train', 'test'] as const) {
          reporter.count(`${side}_probes`, result[side].probes);
          reporter.count(`${side}_measurements`, result[side].measurements);
        }
        reporter.finish();
        return 0;
      }
      case 'merge': {
        const result = await mergeShards({ ...parsed.options, signal });
        const summary = {
          output: parsed.options.output,
          train: result.train,
          test: result.test,
          removed: result.removed,
        };
        if (parsed.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
        else if (!parsed.quiet) {
          io.stderr.write(
            `merged ${parsed.options.shards} shards: ${result.train.probes} train and ${result.test.probes} test ` +
              `probes into ${result.train.file}, ${result.test.file}\n`,
          );
        }
        return 0;
      }
      case 'submit':
      case 'worker':
      case 'status':
        return await runClusterCommand('probe-rows', parsed, probeRowsRun, io);
      case 'inspect': {
        const inspection = await inspectOutput(parsed.target);
        io.stdout.write(parsed.json ? inspectionJson(inspection) : inspectionText(inspection));
        // Only a complete output (or a single file) is fit to use.
        return inspection.status === null || inspection.status === 'complete' ? 0 : 2;
      }
      case 'generate': {
        const { measurements, probes, output } = parsed.options;
        await generateMeasurements({ ...parsed.options, signal });
        if (parsed.json) io.stdout.write(`${JSON.stringify({ output, measurements, probes })}\n`);
        else if (!parsed.quiet)
          io.stderr.write(`wrote ${measurements} measurements of ${probes} probes to ${output}\n`);
        return 0;
      }
      case 'import-atlas': {
        const result = await importAtlas({ ...parsed.options, signal });
        if (parsed.json) io.stdout.write(`${JSON.stringify(result)}\n`);
        else if (!parsed.quiet) {
          io.stderr.write(
            `imported ${result.rows} results (${result.failedPings} failed pings) into ${parsed.options.output}\n`,
          );
        }
        return 0;
      }
    }
  } catch (error) {
    jsonReport?.finish(error);
    return reportFailure('probe-rows', error, io);
  }
}

function inspectionJson(inspection: Inspection): string {
  return `${JSON.stringify({ ...inspection, files: inspection.files.map(({ sample: _sample, ...f }) => f) })}\n`;
}

function inspectionText(inspection: Inspection): string {
  let text = '';
  for (const f of inspection.files) {
    text +=
      `${f.path}: ${f.records} records (probes), ${f.measurements} measurements, ${formatBytes(f.bytes)}\n` +
      `  record bytes min/mean/max: ${f.recordBytes.min} / ${f.recordBytes.mean.toFixed(0)} / ${f.recordBytes.max}\n` +
      `  keys: ${f.keyRange === null ? '(none)' : `${f.keyRange[0]} … ${f.keyRange[1]}`}\n` +
      `  options: ${f.writerOptions}\n`;
    if (f.sample !== null) text += `  first record:\n${sampleTable(f.sample)}\n`;
  }
  if (inspection.status === 'complete')
    text += `manifest.json: ${inspection.manifest!.checked} files match\n`;
  else if (inspection.status === 'incomplete') {
    text +=
      'manifest.json: missing: this output is INCOMPLETE (a build was interrupted or is still running); ' +
      'its files are not to be used: run the build again\n';
  } else if (inspection.status === 'mismatch') {
    text += `manifest.json: MISMATCH (corrupt): ${
      inspection.manifestError ?? JSON.stringify(inspection.manifest!.problems)
    }\n`;
  }
  return text;
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
