import type { PhaseLog, RunReporter } from '@prepkit/bench-harness';
import { planBlocks } from './blocks.js';
import type { TickerBlock } from './blocks.js';
import { medianSpacing } from './cleaning.js';
import { MarketSamplesInputError } from './errors.js';
import type { LoadedMarket } from './load-market.js';
import { markTickerGaps, sampleShape } from './market-data.js';
import type { ResolvedBuildSamplesOptions } from './options.js';
import { samplePositions } from './sample-positions.js';
import type { SamplePositions } from './sample-positions.js';
import { fitScaler } from './scaler.js';
import type { Scaler } from './scaler.js';
import { rangeSize, splitCuts, tickerSplit } from './split.js';
import type { TickerSplit } from './split.js';

/**
 * What every shard of a build shares, computed once over the whole market (plain JSON): the scaler
 * fitted on the training windows of all tickers (it holds the split cut times and each ticker's bar
 * spacing, by which gaps are marked) and the numbered eligible window ends that the draws index into.
 */
export interface SamplesPlan {
  readonly shards: number;
  /** Every ticker read, skipped ones included (the samples file's footer lists them). */
  readonly tickers: readonly string[];
  /**
   * The scaler as JSON text: the queue stores plans as PostgreSQL jsonb, which reorders an object's keys, and
   * the scaler file and the samples footer keep them in the order the build wrote them (see `planScaler`).
   */
  readonly scaler: string;
  readonly positions: SamplePositions;
  /** Tickers of more clean bars than this are cut into time blocks (see blocks.ts). */
  readonly blockBars: number;
  /** The blocks with eligible window ends of those tickers: what a shard holding one reads. */
  readonly blocks: readonly TickerBlock[];
}

/** The plan's scaler, its keys in the order of the one-process build. */
export function planScaler(plan: SamplesPlan): Scaler {
  return JSON.parse(plan.scaler) as Scaler;
}

/** The plan and, for the one-process build, the per-ticker split ranges it came from. */
export interface PlannedMarket {
  readonly plan: SamplesPlan;
  readonly splits: readonly TickerSplit[];
  /** Indices into `market.data` of the tickers that give samples. */
  readonly active: readonly number[];
  readonly eligible: { readonly train: number; readonly valid: number; readonly test: number };
}

/**
 * Cuts train/valid/test, marks gaps (against each ticker's median spacing over its training bars),
 * fits the scaler on training windows only and numbers the eligible window ends, over `market`, whose
 * gaps this marks in place. Throws `MarketSamplesInputError` when nothing can be fitted or drawn.
 */
export function planFromMarket(
  market: LoadedMarket,
  c: Readonly<ResolvedBuildSamplesOptions>,
  shards: number,
  report: RunReporter,
  log: PhaseLog,
): Promise<PlannedMarket> {
  for (const t of market.tickers) {
    report.count('bars_read', t.cleaning.inputRows);
    for (const [key, value] of Object.entries(t.cleaning)) {
      if (key.startsWith('dropped') || key === 'repairedHighLow' || key === 'outOfOrder')
        report.count(snake(key), value as number);
    }
    if (t.skipped !== null) report.count('tickers_skipped');
  }
  const data = market.data;
  const shape = sampleShape(c);
  return log.phase('split and fit scaler', () => {
    const cuts = splitCuts(data, c);
    const splits = data.tickers.map((_, k) => tickerSplit(data, shape, cuts, c.gapBars, k));
    const active = splits.flatMap((s, k) => (rangeSize(s.fit) > 1 ? [k] : []));
    if (active.length === 0)
      throw new MarketSamplesInputError(
        `no ticker has ${c.window} bars before the train cut ${new Date(cuts.trainEndUs / 1000).toISOString()}; move train_end or train_fraction`,
      );
    // Gaps are measured against each ticker's median spacing over its training bars only.
    const spacingUs = splits.map((split, k) => {
      const lo = data.offsets[k]!;
      const train = medianSpacing(data.time.subarray(lo, lo + split.bars.train));
      return train > 0 ? train : medianSpacing(data.time.subarray(lo, data.offsets[k + 1]));
    });
    for (const k of active) report.count('gaps_marked', markTickerGaps(data, k, spacingUs[k]!, c.gapFactor));
    const scaler = fitScaler({
      spacingUs,
      data,
      shape,
      cost: c.cost,
      gapFactor: c.gapFactor,
      inconsistentBars: c.inconsistentBars,
      cuts,
      gapBars: c.gapBars,
      splits,
      active,
    });
    const positions = samplePositions(data, splits, active);
    const [train, valid, test] = positions.count.map((n) => n.reduce((a, b) => a + b, 0));
    const eligible = { train: train!, valid: valid!, test: test! };
    report.set('eligible_window_ends', eligible);
    if (train! + valid! + test! === 0)
      throw new MarketSamplesInputError(
        'no sample fits in any split: the tickers are too short for window + horizons + gap_bars',
      );
    const rawRows = new Map(market.tickers.map((t) => [t.ticker, t.cleaning.inputRows]));
    const plan = {
      shards,
      tickers: market.tickers.map((t) => t.ticker),
      scaler: JSON.stringify(scaler),
      positions,
      blockBars: c.blockBars,
      blocks: planBlocks(data, positions, shape, c.blockBars, (t) => rawRows.get(t)!),
    };
    // Only when some ticker is cut, so that the reports of other runs stay as they were.
    if (plan.blocks.length > 0) report.set('time_blocks', plan.blocks.length);
    return { plan, splits, active, eligible };
  });
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`);
}
