import { join } from 'node:path';
import { RunReporter, formatBytes, formatDuration } from '@prepkit/bench-harness';
import type { CliIo } from '@prepkit/bench-harness';
import { buildSamples } from '../build.js';
import type { BuildSamplesResult } from '../build.js';
import { rawFileName, readConfigFile, resolveConfig } from '../config.js';
import type { ConfigValues, MarketConfig } from '../config.js';
import { MarketSamplesError } from '../errors.js';
import { generateRaw } from '../generate-raw.js';
import { importCsv } from '../import-csv.js';
import { inspectSamples } from '../inspect.js';
import type { SamplesInspection } from '../inspect.js';
import { UsageError, parseArgs } from './parse-args.js';

/**
 * Runs the CLI and returns its exit code: 0 done, 2 bad arguments, configuration or input,
 * 1 unexpected failure, 130 interrupted (Ctrl-C), with no half-written output left behind.
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
        const config = configOf(parsed.configFile, parsed.overrides);
        const reporter = new RunReporter({
          name: 'market-samples build',
          json: parsed.json,
          quiet: parsed.quiet,
          stderr: io.stderr,
          stdout: io.stdout,
        });
        try {
          if (!parsed.quiet && !parsed.json)
            io.stderr.write(
              `Building ${parsed.nSamples.toLocaleString('en')} samples with ${config.nJobs} worker thread(s)` +
                `${parsed.naive ? ' (naive baseline)' : ''}...\n`,
            );
          const result = await buildSamples(
            {
              config,
              nSamples: parsed.nSamples,
              seed: parsed.seed,
              overwrite: parsed.overwrite,
              variant: parsed.naive ? 'naive' : 'parallel',
              ...(signal === undefined ? {} : { signal }),
            },
            reporter,
          );
          reporter.set('result', result);
          if (!parsed.quiet && !parsed.json) io.stderr.write(describeBuild(result));
          reporter.finish();
          return 0;
        } catch (error) {
          if (parsed.json || !(error instanceof MarketSamplesError)) reporter.finish(error);
          throw error;
        }
      }
      case 'generate-raw': {
        const config = configOf(parsed.configFile, parsed.overrides);
        const result = await generateRaw({
          tickers: config.tickers,
          bars: parsed.bars,
          seed: parsed.seed,
          dataDir: config.dataDir,
          rawFilename: config.rawFilename,
          dirty: parsed.dirty,
          barMinutes: parsed.barMinutes,
        });
        io.stderr.write(`wrote ${result.bars.toLocaleString('en')} bars to ${result.files.join(', ')}\n`);
        return 0;
      }
      case 'import-csv': {
        const config = configOf(parsed.configFile, parsed.overrides);
        const output = parsed.output ?? join(config.dataDir, rawFileName(config, parsed.ticker));
        const result = await importCsv({ files: parsed.files, output });
        io.stdout.write(
          parsed.json
            ? `${JSON.stringify(result)}\n`
            : `imported ${result.rows} rows (${result.missingValues} missing or unparseable values, kept as NaN for cleaning) into ${result.output}\n`,
        );
        return 0;
      }
      case 'inspect': {
        const inspection = await inspectSamples(parsed.target, { row: parsed.row });
        io.stdout.write(parsed.json ? `${JSON.stringify(inspection)}\n` : describeInspection(inspection));
        return 0;
      }
    }
  } catch (error) {
    if (signal?.aborted === true) {
      io.stderr.write('market-samples: interrupted; no output was left behind\n');
      return 130;
    }
    if (error instanceof UsageError || error instanceof MarketSamplesError) {
      io.stderr.write(`market-samples: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(
      `market-samples: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

function configOf(file: string | undefined, overrides: ConfigValues): MarketConfig {
  return resolveConfig(file === undefined ? {} : readConfigFile(file), overrides);
}

function describeBuild(r: BuildSamplesResult): string {
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
    `${formatBytes(r.bytes)} to ${r.samplesPath}\nScaler: ${r.scalerPath}\n` +
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
