import { RunReporter, formatCount, formatDuration } from '@prepkit/bench-harness';
import { reportFailure } from '@prepkit/bench-harness/cli';
import type { CliIo, ReportFlags } from '@prepkit/bench-harness/cli';
import { embedTable, embeddingStatus, generateTexts, makeTestModel, searchTable } from '../index.js';
import type { EmbedTableResult, TableStatus, TestModelInfo } from '../index.js';
import { parseArgs } from './parse-args.js';

/**
 * Runs the CLI and returns its exit code: 0 done, 2 bad arguments, input, model or connection, 1 an
 * unexpected failure, 130 interrupted (Ctrl-C; rows committed so far stay, the rest are pending for the next run).
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let afterInterrupt: string | undefined;
  try {
    const parsed = parseArgs(argv, io.env);
    if (parsed.command === 'run') afterInterrupt = INTERRUPTED_RUN;
    const signal = io.signal;
    switch (parsed.command) {
      case 'help':
        io.stdout.write(parsed.text);
        return 0;
      case 'make-test-model': {
        const reporter = runReporter('embeddings make-test-model', parsed, io);
        const info = await makeTestModel({ ...parsed.options, signal, reporter });
        reporter.set('result', info);
        reporter.finish();
        if (!parsed.json && !parsed.quiet) io.stdout.write(describeModel(info));
        return 0;
      }
      case 'run': {
        const reporter = runReporter('embeddings run', parsed, io);
        try {
          const result = await embedTable({ ...parsed.options, signal, reporter });
          reporter.set('result', result);
          reporter.count('rows', result.rows);
          reporter.count('tokens', result.tokens);
          reporter.count('padded_tokens', result.paddedTokens);
          reporter.count('truncated', result.truncated);
          reporter.count('errors', result.errors);
          reporter.finish();
          if (!parsed.json && !parsed.quiet) io.stderr.write(describeRun(result));
          return 0;
        } catch (error) {
          // The JSON report says the run failed; on stderr the one line below does.
          if (parsed.json) reporter.finish(error);
          throw error;
        }
      }
      case 'status': {
        const status = await embeddingStatus(parsed.options);
        io.stdout.write(parsed.json ? `${JSON.stringify(status)}\n` : describeStatus(status));
        return 0;
      }
      case 'search': {
        const result = await searchTable(parsed.options);
        if (parsed.json) io.stdout.write(`${JSON.stringify(result)}\n`);
        else {
          io.stdout.write(`nearest rows (${result.method}):\n`);
          for (const hit of result.hits) {
            const text = (hit.text ?? '').replace(/\s+/g, ' ');
            io.stdout.write(
              `  ${hit.score.toFixed(4)}  ${hit.id}  ${text.length > 100 ? `${text.slice(0, 97)}…` : text}\n`,
            );
          }
        }
        return 0;
      }
      case 'generate': {
        const result = await generateTexts({ ...parsed.options, signal });
        if (parsed.json) io.stdout.write(`${JSON.stringify(result)}\n`);
        else if (!parsed.quiet)
          io.stdout.write(
            `created ${result.table} with ${formatCount(result.rows)} rows (${result.nulls} null, ${result.empties} empty)\n`,
          );
        return 0;
      }
    }
  } catch (error) {
    return reportFailure('embeddings', error, io, afterInterrupt);
  }
}

// An interrupted `run` keeps the rows it committed; the other commands leave nothing behind.
const INTERRUPTED_RUN = 'rows embedded so far are kept and a new run finishes the rest';

function runReporter(name: string, reporting: ReportFlags, io: CliIo): RunReporter {
  return new RunReporter({ name, ...reporting, stderr: io.stderr, stdout: io.stdout });
}

function describeModel(info: TestModelInfo): string {
  return (
    `wrote ${info.preset} model to ${info.dir} (${formatCount(info.modelBytes)} bytes of ONNX; ` +
    `${info.shape.layers} layers, hidden ${info.shape.hidden}, vocab ${info.shape.vocabSize})\n`
  );
}

function describeRun(result: EmbedTableResult): string {
  const s = result.stageMs;
  return (
    `${formatCount(result.rows)} rows embedded (${formatCount(result.errors)} errors, ${formatCount(result.truncated)} truncated) ` +
    `in ${formatDuration(result.wallMs)}: ${formatCount(result.recordsPerSecond)} records/s, ` +
    `${formatCount(result.tokensPerSecond)} tokens/s (${formatCount(result.paddedTokens)} tokens with padding); ` +
    `model busy ${(result.modelBusy * 100).toFixed(0)}%; stage time: claim ${formatDuration(s.claim)}, ` +
    `tokenize ${formatDuration(s.tokenize)}, model ${formatDuration(s.model)}, write ${formatDuration(s.write)}\n`
  );
}

function describeStatus(status: TableStatus): string {
  const claimed = status.claimed > 0 ? ` (${formatCount(status.claimed)} claimed by a running run)` : '';
  const reasons = Object.entries(status.reasons).map(([r, n]) => `${r}: ${formatCount(n)}`);
  return (
    `${status.table}: ${formatCount(status.total)} rows, ${formatCount(status.embedded)} embedded, ` +
    `${formatCount(status.pending)} pending${claimed}, ${formatCount(status.errored)} errored` +
    `${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}\n`
  );
}
