import { join } from 'node:path';
import { RunReporter, formatBytes, formatDuration } from '@prepkit/bench-harness';
import { reportFailure } from '@prepkit/bench-harness/cli';
import type { CliIo } from '@prepkit/bench-harness/cli';
import { runClusterCommand } from '@prepkit/job-queue/cli';
import {
  DEFAULT_BUILD_SAMPLES_OPTIONS,
  buildSamples,
  buildSamplesShard,
  generateRaw,
  importCsv,
  inspectSamples,
  marketSamplesRun,
  mergeSamples,
  rawFileName,
  readConfigFile,
} from '../index.js';
import type {
  BuildSamplesResult,
  BuildShardResult,
  MarketSamplesOptions,
  MergeSamplesResult,
  SamplesInspection,
} from '../index.js';
import { parseArgs } from './parse-args.js';

/**
 * Runs the CLI and returns its exit code: 0 done, 2 bad arguments, configuration or input,
 * 1 unexpected failure, 130 interrupted (io.signal aborted), with no half-written output left behind.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    const parsed = parseArgs(argv, io.env);
    switch (parsed.command) {
      case 'help':
        io.stdout.write(parsed.text);
        return 0;
      case 'build': {
        // The flags replace the configuration file's keys; what neither gives keeps its default.
        const options = { ...configOf(parsed.configFile), ...parsed.options };
        const reporter = new RunReporter({
          name: 'market-samples build',
          json: parsed.json,
          quiet: parsed.quiet,
          stderr: io.stderr,
          stdout: io.stdout,
        });
        const talk = !parsed.quiet && !parsed.json;
        const { shard } = options;
        const result = await (
          shard === undefined || shard === null
            ? buildSamples({ ...options, reporter, signal: io.signal })
            : buildSamplesShard({ ...options, shard, reporter, signal: io.signal })
        ).catch((error: unknown) => {
          if (parsed.json) reporter.finish(error); // the JSON report says how the run failed, too
          throw error;
        });
        reporter.set('result', result);
        if (talk) io.stderr.write(describeBuild(result));
        reporter.finish();
        return 0;
      }
      case 'merge': {
        const reporter = new RunReporter({
          name: 'market-samples merge',
          json: parsed.json,
          quiet: parsed.quiet,
          stderr: io.stderr,
          stdout: io.stdout,
        });
        const result = await mergeSamples({ ...parsed.options, reporter, signal: io.signal }).catch(
          (error: unknown) => {
            if (parsed.json) reporter.finish(error);
            throw error;
          },
        );
        reporter.set('result', result);
        if (!parsed.quiet && !parsed.json) io.stderr.write(describeMerge(result));
        reporter.finish();
        return 0;
      }
      case 'submit':
      case 'worker':
      case 'status':
        return await runClusterCommand('market-samples', parsed, marketSamplesRun, io);
      case 'generate-raw': {
        const settings = { ...configOf(parsed.configFile), ...parsed.settings };
        const result = await generateRaw({
          ...parsed.options,
          ...(settings.tickers ? { tickers: settings.tickers } : {}),
          ...(settings.dataDir === undefined ? {} : { dataDir: settings.dataDir }),
          ...(settings.rawFilename === undefined ? {} : { rawFilename: settings.rawFilename }),
          signal: io.signal,
        });
        if (parsed.json) io.stdout.write(`${JSON.stringify(result)}\n`);
        else if (!parsed.quiet)
          io.stderr.write(`wrote ${result.bars.toLocaleString('en')} bars to ${result.files.join(', ')}\n`);
        return 0;
      }
      case 'import-csv': {
        const settings = { ...configOf(parsed.configFile), ...parsed.settings };
        const output =
          parsed.output ??
          join(
            settings.dataDir ?? DEFAULT_BUILD_SAMPLES_OPTIONS.dataDir,
            rawFileName(settings, parsed.ticker),
          );
        const result = await importCsv({
          files: parsed.files,
          output,
          overwrite: parsed.overwrite,
          signal: io.signal,
        });
        if (parsed.json) io.stdout.write(`${JSON.stringify(result)}\n`);
        else if (!parsed.quiet)
          io.stderr.write(
            `imported ${result.rows} rows (${result.missingValues} missing or unparseable values, kept as NaN for cleaning) into ${result.output}\n`,
          );
        return 0;
      }
      case 'inspect': {
        const inspection = await inspectSamples(
          parsed.target,
          parsed.row === undefined ? {} : { row: parsed.row },
        );
        io.stdout.write(parsed.json ? `${JSON.stringify(inspection)}\n` : describeInspection(inspection));
        return 0;
      }
    }
  } catch (error) {
    return reportFailure('market-samples', error, io);
  }
}

function configOf(file: string | undefined): MarketSamplesOptions {
  return file === undefined ? {} : readConfigFile(file);
}

function describeMerge(r: MergeSamplesResult): string {
  return (
    `Merged ${r.shardFiles.length} shard files: ${r.samples.toLocaleString('en')} samples, ${formatBytes(r.bytes)} ` +
    `to ${r.samplesPath}\nScaler: ${r.scalerPath}\nManifest: ${r.manifestPath}\n`
  );
}

function describeBuild(
  r: BuildShardResult & Partial<Pick<BuildSamplesResult, 'scalerPath' | 'manifestPath'>>,
): string {
  const lines = r.tickers.map((t) => {
    const c = t.cleaning;
    const changes = [
      c.droppedBadTime && `${c.droppedBadTime} bad time`,
      c.droppedBadPrice && `${c.droppedBadPrice} bad price`,
      c.droppedBadVolume && `${c.droppedBadVolume} bad volume`,
      c.droppedInconsistent && `${c.droppedInconsistent} inconsistent high/low`,
      c.droppedDuplicates && `${c.droppedDuplicates} duplicate times`,
    ].filter(Boolean);
    return (
      `  ${t.ticker}: ${c.inputRows} rows, ${c.keptRows} kept` +
      (changes.length > 0 ? `, dropped ${changes.join(', ')}` : '') +
      (c.repairedHighLow > 0 ? `, repaired high/low of ${c.repairedHighLow}` : '') +
      (c.outOfOrder > 0 ? `, ${c.outOfOrder} out of order (sorted)` : '') +
      (t.skipped === null ? '' : ` — SKIPPED: ${t.skipped}`)
    );
  });
  return (
    `Cleaning:\n${lines.join('\n')}\n` +
    `Split: train < ${r.trainEnd} <= valid < ${r.validEnd} <= test; window ends available ` +
    `${r.eligible.train} / ${r.eligible.valid} / ${r.eligible.test}\n` +
    `Wrote ${r.samples.toLocaleString('en')} samples (train ${r.perSplit.train}, valid ${r.perSplit.valid}, test ${r.perSplit.test}), ` +
    `${formatBytes(r.bytes)} to ${r.files.map((f) => f.path).join(', ')}\n` +
    (r.manifestPath === undefined
      ? 'One shard: no scaler or manifest; merge writes them once every shard file is there\n'
      : `Scaler: ${r.scalerPath}\nManifest: ${r.manifestPath}\n`) +
    `Samples stage: chunks computed in ${formatDuration(r.stages.sampleComputeMs)} (summed over workers), ` +
    `waited ${formatDuration(r.stages.parquetWriteWaitMs)} on the Parquet encoders (overlapping)\n`
  );
}

function describeInspection(s: SamplesInspection): string {
  const iso = (us: number | null) => (us === null ? '' : new Date(us / 1000).toISOString());
  const fmt = (v: number | null) => (v === null ? '' : Number(v.toPrecision(6)).toString());
  const out = [
    `${s.path}: ${s.rows.toLocaleString('en')} rows, ${s.rowGroups} row groups, ${s.compression}, ${formatBytes(s.bytes)}`,
    'columns:',
    ...s.columns.map(
      (c) =>
        `  ${c.name.padEnd(12)} ${c.type.padEnd(14)}` +
        (c.distinct !== null
          ? ` ${c.distinct} distinct`
          : c.type.startsWith('TIMESTAMP')
            ? ` ${iso(c.min)} … ${iso(c.max)}`
            : ` min ${fmt(c.min)}  max ${fmt(c.max)}  mean ${fmt(c.mean)}  std ${fmt(c.std)}${c.nan > 0 ? `  NaN ${c.nan}` : ''}`),
    ),
  ];
  if (s.sample !== null) {
    const x = s.sample;
    out.push(
      `sample ${x.row}: ${x.ticker} ${x.split} window ending ${x.endTime}`,
      `  meta ${x.meta.map((m) => m.toFixed(3)).join(' ')}  ${Object.entries(x.rewards)
        .map(([k, v]) => `${k} ${v.toFixed(5)}`)
        .join('  ')}`,
      `  last bars (prices / last close, volume / window mean volume):`,
      ...x.bars.slice(-5).map(
        (b) =>
          `    ${Object.entries(b)
            .map(([k, v]) => `${k} ${v.toFixed(5)}`)
            .join('  ')}`,
      ),
    );
  }
  return `${out.join('\n')}\n`;
}
