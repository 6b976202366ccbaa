import { RunReporter, formatCount } from '@prepkit/bench-harness';
import type { CliIo } from '@prepkit/bench-harness/cli';
import {
  ValidationFailedError,
  benchDatabase,
  generateToDatabase,
  importExports,
  initDatabase,
  mergeShards,
  prepareDiscordDataset,
  validateJsonl,
} from '../index.js';
import type { Distribution, ValidationReport } from '../index.js';
import type { ReportFlags } from '@prepkit/bench-harness/cli';
import type { CliCommand } from './args.js';

type RunnableCommand = Exclude<CliCommand, { kind: 'help' } | { kind: 'version' } | { kind: 'cluster' }>;

/** Runs a parsed command through the public library API and reports; throws what the library throws. */
export async function runCommand(command: RunnableCommand, io: CliIo): Promise<void> {
  const signal = io.signal;
  switch (command.kind) {
    case 'init-db': {
      const result = await initDatabase(command.db, { indexes: command.indexes });
      if (command.json) io.stdout.write(`${JSON.stringify(result)}\n`);
      else if (!command.quiet) io.stderr.write(`init-db: applied ${result.applied.join(', ')}\n`);
      return;
    }
    case 'import':
      await reported('import', command, io, async (reporter) => {
        const result = await importExports({ ...command.options, reporter, ...(signal ? { signal } : {}) });
        reporter.count('messages', result.messages);
        reporter.count('invalid_utf8', result.invalidUtf8);
        reporter.set('files', result.files);
        const warnings = result.files
          .filter((f) => f.invalidUtf8 > 0)
          .map((f) => `${f.name}: ${f.invalidUtf8} invalid UTF-8 sequence(s) stored as U+FFFD`);
        reporter.set('warnings', warnings);
        if (!command.json) for (const warning of warnings) io.stderr.write(`warning: ${warning}\n`);
      });
      return;
    case 'prepare':
      await reported('prepare', command, io, async (reporter) => {
        const result = await prepareDiscordDataset({
          ...command.options,
          reporter,
          ...(signal ? { signal } : {}),
        });
        reporter.count('messages', result.messages);
        reporter.count('threads', result.threads);
        reporter.count('train_examples', result.train.records);
        reporter.count('valid_examples', result.valid.records);
        reporter.count('cycles_broken', result.cyclesBroken);
        reporter.count('dangling_replies', result.danglingReplies);
        reporter.count('dropped_system', result.dropped.system);
        reporter.count('dropped_empty', result.dropped.empty);
        reporter.count('dropped_bot', result.dropped.bot);
        reporter.count('skipped_short', result.skipped.short);
        reporter.count('skipped_long', result.skipped.long);
        reporter.count('queries', result.queries);
        reporter.count('workers', result.workers);
        reporter.set('train', result.train);
        reporter.set('valid', result.valid);
        if (result.files.some((f) => f.roots !== undefined)) reporter.set('files', result.files);
        reporter.set('manifests', result.manifests);
        reporter.set('warnings', result.warnings);
        if (!command.json) for (const warning of result.warnings) io.stderr.write(`warning: ${warning}\n`);
      });
      return;
    case 'merge':
      await reported('merge', command, io, async (reporter) => {
        const result = await mergeShards({ ...command.options, ...(signal ? { signal } : {}) });
        reporter.count('train_examples', result.train.records);
        reporter.count('valid_examples', result.valid.records);
        reporter.set('train', result.train);
        reporter.set('valid', result.valid);
        reporter.set('manifests', result.manifests);
        reporter.set('removed', result.removed);
      });
      return;
    case 'generate':
      await reported('generate', command, io, async (reporter) => {
        const summary = await generateToDatabase({
          ...command.options,
          reporter,
          ...(signal ? { signal } : {}),
        });
        for (const [name, value] of Object.entries(summary) as [string, number][])
          reporter.count(name, value);
      });
      return;
    case 'validate': {
      const report = await validateJsonl(command.files, {
        ...command.options,
        ...(signal ? { signal } : {}),
      });
      if (command.json) io.stdout.write(`${JSON.stringify(report)}\n`);
      else if (!command.quiet) io.stderr.write(formatValidation(report));
      if (!report.ok) throw new ValidationFailedError(report.errors, report.files.length);
      return;
    }
    case 'bench': {
      const { benchmark, missingIndexes } = await benchDatabase({
        ...command.options,
        ...(signal ? { signal } : {}),
      });
      if (command.json) {
        io.stdout.write(`${JSON.stringify({ ...benchmark, missingIndexes })}\n`);
        return;
      }
      io.stdout.write(`\n${benchmark.table}\n`);
      if (missingIndexes.length === 0)
        io.stdout.write('\nIndexes: all of optimize_indexes.sql are present.\n');
      else {
        io.stdout.write('\nMissing indexes (see sql_scripts/optimize_indexes.sql):\n');
        for (const index of missingIndexes)
          io.stdout.write(`  ${index.column}: ${index.why}\n    ${index.create}\n`);
      }
      return;
    }
  }
}

/** Runs `body` under a RunReporter that shows progress and ends with a summary or `--json` report. */
async function reported(
  name: string,
  flags: ReportFlags,
  io: CliIo,
  body: (reporter: RunReporter) => Promise<void>,
): Promise<void> {
  const reporter = new RunReporter({
    name: `discord-dataset ${name}`,
    json: flags.json,
    quiet: flags.quiet,
    stdout: io.stdout,
    stderr: io.stderr,
  });
  try {
    await body(reporter);
  } catch (error) {
    // With --json the failed report goes to stdout; otherwise main prints the one error line, no summary.
    if (flags.json) reporter.finish(error);
    throw error;
  }
  reporter.finish();
}

/** The human form of a validation report: problems with file:line, then statistics per file. */
export function formatValidation(report: ValidationReport): string {
  const lines: string[] = [];
  for (const p of report.problems) {
    lines.push(
      `${p.file}:${p.line === 0 ? '-' : p.line}: ${p.severity} [${p.rule}] ${p.message} (${p.consumers.join(', ')})`,
    );
  }
  const listed = report.problems.length;
  const total = report.errors + report.warnings;
  if (total > listed) lines.push(`… and ${total - listed} more problem(s) (--max-problems)`);
  const show = (d: Distribution): string =>
    `min ${formatCount(d.min)}, median ${formatCount(d.median)}, p95 ${formatCount(d.p95)}, max ${formatCount(d.max)}`;
  for (const f of report.files) {
    lines.push(
      `${f.path}: ${formatCount(f.examples)} examples (${f.format ?? 'no format'}), ${f.errors} error(s), ${f.warnings} warning(s)`,
      `  turns/example: ${show(f.turns)}`,
      `  chars/example: ${show(f.characters)}`,
      `  est. tokens/example (chars/4): ${show(f.tokens)}`,
    );
  }
  lines.push(report.ok ? 'valid: no errors' : `INVALID: ${report.errors} error(s)`);
  return `${lines.join('\n')}\n`;
}
