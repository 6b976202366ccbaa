import { RunReporter, formatCount, formatDuration } from '@prepkit/bench-harness';
import type { CliIo } from '@prepkit/bench-harness';
import { ConnectionError } from '@prepkit/db-cursors';
import { embedTable } from '../embed-table.js';
import { EmbeddingsError } from '../errors.js';
import { generateTexts } from '../generate.js';
import { searchTable } from '../search.js';
import { embeddingStatus } from '../status.js';
import { makeTestModel } from '../test-model/make-test-model.js';
import { UsageError, parseArgs } from './parse-args.js';

/**
 * Runs the CLI and returns its exit code: 0 done, 2 bad arguments, input or connection, 1 unexpected
 * failure, 130 interrupted (Ctrl-C; rows committed so far stay, the rest are pending for the next run).
 */
export async function main(
  argv: readonly string[],
  io: CliIo = process,
  signal?: AbortSignal,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  try {
    const parsed = parseArgs(argv, env);
    switch (parsed.command) {
      case 'help':
        io.stdout.write(parsed.text);
        return 0;
      case 'make-test-model': {
        const info = await makeTestModel(parsed.options);
        io.stdout.write(
          parsed.json
            ? `${JSON.stringify(info)}\n`
            : `wrote ${info.preset} model to ${info.dir} (${formatCount(info.modelBytes)} bytes of ONNX; ` +
                `${info.shape.layers} layers, hidden ${info.shape.hidden}, vocab ${info.shape.vocabSize})\n`,
        );
        return 0;
      }
      case 'run': {
        const reporter = new RunReporter({
          name: 'embeddings run',
          json: parsed.json,
          quiet: parsed.quiet,
          stderr: io.stderr,
          stdout: io.stdout,
        });
        try {
          const result = await embedTable(
            { ...parsed.options, ...(signal === undefined ? {} : { signal }) },
            reporter,
          );
          reporter.set('result', result);
          reporter.count('rows', result.rows);
          reporter.count('tokens', result.tokens);
          reporter.count('padded_tokens', result.paddedTokens);
          reporter.count('truncated', result.truncated);
          reporter.count('errors', result.errors);
          reporter.finish();
          if (!parsed.json && !parsed.quiet) {
            const s = result.stageMs;
            io.stderr.write(
              `${formatCount(result.rows)} rows embedded (${formatCount(result.errors)} errors, ${formatCount(result.truncated)} truncated) ` +
                `in ${formatDuration(result.wallMs)}: ${formatCount(result.recordsPerSecond)} records/s, ` +
                `${formatCount(result.tokensPerSecond)} tokens/s (${formatCount(result.paddedTokens)} tokens with padding); ` +
                `model busy ${(result.modelBusy * 100).toFixed(0)}%; stage time: claim ${formatDuration(s.claim)}, ` +
                `tokenize ${formatDuration(s.tokenize)}, model ${formatDuration(s.model)}, write ${formatDuration(s.write)}\n`,
            );
          }
          return 0;
        } catch (error) {
          if (parsed.json || !isUserError(error)) reporter.finish(error);
          throw error;
        }
      }
      case 'status': {
        const status = await embeddingStatus(parsed.options);
        io.stdout.write(
          parsed.json
            ? `${JSON.stringify(status)}\n`
            : `${status.table}: ${formatCount(status.total)} rows, ${formatCount(status.embedded)} embedded, ` +
                `${formatCount(status.pending)} pending${status.claimed > 0 ? ` (${formatCount(status.claimed)} claimed by a running run)` : ''}, ` +
                `${formatCount(status.errored)} errored${
                  Object.keys(status.reasons).length > 0
                    ? ` (${Object.entries(status.reasons)
                        .map(([r, n]) => `${r}: ${formatCount(n)}`)
                        .join(', ')})`
                    : ''
                }\n`,
        );
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
        const result = await generateTexts(parsed.options);
        io.stdout.write(
          parsed.json
            ? `${JSON.stringify(result)}\n`
            : `created ${result.table} with ${formatCount(result.rows)} rows (${result.nulls} null, ${result.empties} empty)\n`,
        );
        return 0;
      }
    }
  } catch (error) {
    if (signal?.aborted === true) {
      io.stderr.write(
        'embeddings: interrupted; committed rows are kept, the rest stay pending for the next run\n',
      );
      return 130;
    }
    if (isUserError(error)) {
      io.stderr.write(`embeddings: ${(error as Error).message}\n`);
      return 2;
    }
    io.stderr.write(
      `embeddings: unexpected failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

function isUserError(error: unknown): boolean {
  return error instanceof UsageError || error instanceof EmbeddingsError || error instanceof ConnectionError;
}
