import type { Phase } from '@prepkit/bench-harness';
import { bulkUpdate } from '@prepkit/db-cursors';
import { retryOnConnectionLoss } from '@prepkit/db-cursors';
import type { BulkRow } from '@prepkit/db-cursors';
import type pg from 'pg';
import { prefetch } from './async-queue.js';
import type { ResolvedEmbedTableOptions } from './embed-options.js';
import type { Embedder, EmbeddedTexts } from './embedder.js';
import type { ClaimedWindow, RowClaims } from './row-claims.js';
import type { TargetTable } from './target-table.js';

/** What a run did. */
export interface EmbedTableResult {
  readonly table: string;
  /** Rows given a vector. */
  readonly rows: number;
  /** Rows recorded in the errors table. */
  readonly errors: number;
  readonly errorReasons: Readonly<Record<string, number>>;
  /** Real tokens embedded, and tokens the model processed (padding included). */
  readonly tokens: number;
  readonly paddedTokens: number;
  readonly truncated: number;
  readonly batches: number;
  readonly commits: number;
  readonly dim: number;
  readonly wallMs: number;
  readonly recordsPerSecond: number;
  readonly tokensPerSecond: number;
  /** Busy time of each stage; they overlap, so they add up to more than `wallMs`. */
  readonly stageMs: {
    readonly claim: number;
    readonly tokenize: number;
    readonly model: number;
    readonly write: number;
  };
  /** Share of the embedding phase's wall time the model was running. */
  readonly modelBusy: number;
}

interface EmbeddedWindow {
  readonly window: ClaimedWindow;
  readonly embedded: EmbeddedTexts;
}

/**
 * The stages of a run at once: claimed windows are tokenised, embedded and written while the next are
 * claimed, so the model does not wait on the database.
 */
export async function runPipeline(
  o: ResolvedEmbedTableOptions,
  pool: pg.Pool,
  embedder: Embedder,
  target: TargetTable,
  claims: RowClaims,
  pending: number,
  phase: Phase | undefined,
): Promise<EmbedTableResult> {
  const startedAt = performance.now();
  const stats = {
    tokens: 0,
    padded: 0,
    truncated: 0,
    batches: 0,
    tokenizeMs: 0,
    modelMs: 0,
    writeMs: 0,
    errors: 0,
  };
  const reasons: Record<string, number> = {};
  let total = pending;

  // Stage 2: tokenise (on the tokenizer's thread) while the model thread works through the previous window.
  // A finished window is handed on at once, even while the claims wait for rows other runs hold:
  // holding it back until the next window arrives could leave two runs waiting on each other.
  async function* embedWindows(windows: AsyncIterable<ClaimedWindow>): AsyncGenerator<EmbeddedWindow> {
    type Step = { kind: 'window'; result: IteratorResult<ClaimedWindow> } | { kind: 'embedded' };
    const iterator = windows[Symbol.asyncIterator]();
    const inFlight: { window: ClaimedWindow; embedded: Promise<EmbeddedTexts> }[] = [];
    // The next window is asked for early, and raced only while fewer than two are in flight: a
    // rejection meanwhile (an abort) is handled where it is awaited, not reported as unhandled.
    const nextWindow = (): Promise<Step> => {
      const step = iterator.next().then((result): Step => ({ kind: 'window', result }));
      step.catch(() => undefined);
      return step;
    };
    let next: Promise<Step> | undefined = nextWindow();
    try {
      while (next !== undefined || inFlight.length > 0) {
        const racers: Promise<Step>[] = [];
        if (next !== undefined && inFlight.length < 2) racers.push(next);
        const head = inFlight[0];
        if (head !== undefined) racers.push(head.embedded.then((): Step => ({ kind: 'embedded' })));
        const step = await Promise.race(racers);
        if (step.kind === 'embedded') {
          inFlight.shift();
          yield { window: head!.window, embedded: await head!.embedded };
          continue;
        }
        if (step.result.done === true) {
          next = undefined;
          continue;
        }
        const window = step.result.value;
        const t0 = performance.now();
        const tokenized = await embedder.tokenizeInWorker(window.texts);
        stats.tokenizeMs += performance.now() - t0;
        const embedded = embedder.embedTokenized(tokenized);
        embedded.catch(() => undefined);
        inFlight.push({ window, embedded });
        next = nextWindow();
      }
    } finally {
      await Promise.allSettled(inFlight.map((f) => f.embedded));
      if (next !== undefined) {
        next.catch(() => undefined);
        await iterator.return?.();
      }
    }
  }

  // Stage 3: errors straight into the errors table, vectors to bulkUpdate (COPY + UPDATE … FROM).
  const [open, close] = target.vectorType === 'vector' ? ['[', ']'] : ['{', '}'];
  const toVector = (v: Float32Array): string => vectorLiteral(v, open, close);
  async function* writeBatches(source: AsyncIterable<EmbeddedWindow>): AsyncGenerator<BulkRow[]> {
    for await (const { window, embedded } of source) {
      stats.tokens += embedded.tokens;
      stats.padded += embedded.paddedTokens;
      stats.truncated += embedded.truncated;
      stats.batches += embedded.batches;
      stats.modelMs += embedded.modelMs;
      const rows: BulkRow[] = [];
      const failed: { ids: string[]; reasons: string[]; details: (string | null)[] } = {
        ids: [],
        reasons: [],
        details: [],
      };
      window.ids.forEach((id, i) => {
        const vector = embedded.vectors[i];
        if (vector !== undefined) rows.push([id, toVector(vector)]);
        else {
          const reason = embedded.failures[i] ?? 'no_vector';
          failed.ids.push(id);
          failed.reasons.push(reason);
          failed.details.push(embedded.failureDetails[i] ?? null);
          reasons[reason] = (reasons[reason] ?? 0) + 1;
        }
      });
      const t0 = performance.now();
      if (failed.ids.length > 0) {
        await recordErrors(pool, target, failed, claims.runStartedAt, o.signal);
        stats.errors += failed.ids.length;
        phase?.advance(failed.ids.length);
      }
      stats.writeMs += performance.now() - t0;
      if (rows.length === 0) continue;
      const t1 = performance.now();
      yield rows;
      stats.writeMs += performance.now() - t1;
    }
  }

  let written = 0;
  const windows = prefetch(claims.windows(), 2);
  const totals = await bulkUpdate(pool, {
    table: target.table,
    key: o.idColumn,
    columns: [o.idColumn, o.vectorColumn],
    // Finished windows queue up while a transaction commits, so the model keeps going meanwhile.
    batches: writeBatches(prefetch(embedWindows(windows), 2 * o.commitEvery)),
    commitEvery: o.commitEvery,
    ...(o.signal === undefined ? {} : { signal: o.signal }),
    onCommit: (t) => {
      phase?.advance(t.rows - written);
      written = t.rows;
      // Rows added meanwhile, or released by a killed run, can push the count past the first estimate.
      if (written + stats.errors > total) {
        total = written + stats.errors;
        phase?.setTotal(total);
      }
    },
  });
  const wallMs = performance.now() - startedAt;
  const seconds = wallMs / 1000;
  return {
    table: target.label,
    rows: totals.rows,
    errors: stats.errors,
    errorReasons: reasons,
    tokens: stats.tokens,
    paddedTokens: stats.padded,
    truncated: stats.truncated,
    batches: stats.batches,
    commits: totals.commits,
    dim: embedder.dim,
    wallMs,
    recordsPerSecond: seconds > 0 ? totals.rows / seconds : 0,
    tokensPerSecond: seconds > 0 ? stats.tokens / seconds : 0,
    stageMs: {
      claim: claims.fetchMs,
      tokenize: stats.tokenizeMs,
      model: stats.modelMs,
      write: stats.writeMs,
    },
    modelBusy: wallMs > 0 ? stats.modelMs / wallMs : 0,
  };
}

async function recordErrors(
  pool: pg.Pool,
  target: TargetTable,
  failed: { ids: string[]; reasons: string[]; details: (string | null)[] },
  runStartedAt: Date,
  signal: AbortSignal | undefined,
): Promise<void> {
  const { q, idType } = target;
  // Idempotent, so it can run again when the connection is lost: attempts counts once per run (a row
  // that failed since this run began is not counted again).
  await retryOnConnectionLoss(
    () =>
      pool.query({
        text: `INSERT INTO ${q.errors} AS e (id, reason, detail)
           SELECT u.id::${idType}, u.reason, u.detail FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, reason, detail)
           ON CONFLICT (id) DO UPDATE SET reason = EXCLUDED.reason, detail = EXCLUDED.detail,
             attempts = e.attempts + CASE WHEN e.failed_at >= $4::timestamptz THEN 0 ELSE 1 END,
             failed_at = CASE WHEN e.failed_at >= $4::timestamptz THEN e.failed_at ELSE now() END`,
        values: [failed.ids, failed.reasons, failed.details, runStartedAt],
      }),
    {
      what: `embeddings run (${target.label}): recording rows that failed`,
      ...(signal === undefined ? {} : { signal }),
    },
  );
}

/**
 * A vector as PostgreSQL text (`{…}` for real[], `[…]` for pgvector). Nine significant digits give
 * back the same float32 exactly; they are a third shorter than the float64 digits `String()` writes
 * for a float32 and, in a microbenchmark here, twice as fast to produce.
 */
export function vectorLiteral(vector: Float32Array, open = '{', close = '}'): string {
  let text = open;
  for (let d = 0; d < vector.length; d++) {
    const x = vector[d]!;
    // toPrecision drops the sign of -0.
    text += (d === 0 ? '' : ',') + (x === 0 ? (Object.is(x, -0) ? '-0' : '0') : x.toPrecision(9));
  }
  return text + close;
}
