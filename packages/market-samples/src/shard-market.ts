import { resolve } from 'node:path';
import { throwIfAborted } from '@prepkit/bench-harness/errors';
import { openDuckDB } from '@prepkit/db-cursors';
import type { DuckDB } from '@prepkit/db-cursors';
import { shardOf } from '@prepkit/record-io';
import type { ShardSpec } from '@prepkit/record-io';
import { shardUnits } from './blocks.js';
import type { TickerBlock } from './blocks.js';
import { cleanBars } from './cleaning.js';
import type { CleanedBars } from './cleaning.js';
import { MarketSamplesInputError } from './errors.js';
import { cleanTickers } from './load-market.js';
import type { LoadedMarket, TickerLoad } from './load-market.js';
import { markTickerGaps, marketDataFrom } from './market-data.js';
import type { ResolvedBuildSamplesOptions } from './options.js';
import { rawFileName } from './options.js';
import { planScaler } from './plan.js';
import type { SamplesPlan } from './plan.js';
import { countRawRows, readRawBars } from './raw-bars.js';

// What one shard of a cluster run holds: its whole tickers and its time blocks of long tickers (each
// block's bars with the halo before it and the labels' bars after it), never the whole market.

/** A shard's market: its data entries are whole tickers, then blocks. */
export interface ShardMarket extends LoadedMarket {
  /** Per entry of `data`: the unit it holds, its ticker's name or a block key (`ticker#b`). */
  readonly keys: readonly string[];
  /** Per entry: the bar index within its ticker of the entry's first bar (0 for a whole ticker). */
  readonly base: readonly number[];
  /** Raw rows read and clean bars held: what the shard's memory grows with. */
  readonly rowsRead: number;
  readonly barsHeld: number;
}

/**
 * Loads and cleans only the units of `shard`: its whole tickers, and for its blocks only the raw rows in the
 * block's time range (halo included). Gaps are marked with the spacing the plan measured. A raw file whose
 * clean bars differ from the plan's (count, or a block's first or last time) changed since the plan: a
 * `MarketSamplesInputError` naming the file. Null when none of its units gives samples.
 */
export async function loadShardMarket(
  c: Readonly<ResolvedBuildSamplesOptions>,
  plan: SamplesPlan,
  shard: ShardSpec,
): Promise<ShardMarket | null> {
  const units = shardUnits(plan.positions, plan.blockBars);
  const mine = (key: string) => shardOf(key, shard.count) === shard.index;
  const tickers = plan.positions.tickers.filter((t, a) => units.blocked[a] === 0 && mine(t));
  const blocks = plan.blocks.filter((b) => mine(b.key));
  if (tickers.length === 0 && blocks.length === 0) return null;
  const { loads, kept } = tickers.length === 0 ? { loads: [], kept: [] } : await cleanTickers(c, tickers);
  const planned = new Map(plan.positions.tickers.map((t, a) => [t, plan.positions.bars[a]!]));
  for (const t of tickers) {
    const bars = kept.find((k) => k.ticker === t)?.cleaned.bars.time.length ?? 0;
    if (bars !== planned.get(t))
      throw changed(c, t, `${bars} clean bars, the plan of this run counted ${planned.get(t)}`);
  }
  const sliced: { block: TickerBlock; cleaned: CleanedBars; load: TickerLoad }[] = [];
  if (blocks.length > 0) {
    await using db = await openDuckDB({ threads: Math.min(c.threads, 4) });
    for (const block of blocks) {
      throwIfAborted(c.signal, 'market-samples build');
      sliced.push(await loadBlock(c, block, db));
    }
  }
  const cleaned = [...kept.map((k) => k.cleaned), ...sliced.map((s) => s.cleaned)];
  const data = marketDataFrom([...kept.map((k) => k.ticker), ...sliced.map((s) => s.block.ticker)], cleaned);
  const scaler = planScaler(plan);
  data.tickers.forEach((t, k) => markTickerGaps(data, k, scaler.per_ticker[t]!.bar_spacing_us, c.gapFactor));
  const all = [...loads, ...sliced.map((s) => s.load)];
  return {
    data,
    cleaned,
    tickers: all,
    keys: [...kept.map((k) => k.ticker), ...sliced.map((s) => s.block.key)],
    base: [...kept.map(() => 0), ...sliced.map((s) => s.block.bars[0])],
    rowsRead: all.reduce((sum, l) => sum + l.cleaning.inputRows, 0),
    barsHeld: data.time.length,
  };
}

/**
 * One block's clean bars: the raw rows in its time range, cleaned alone. Cleaning is local in time (rows are
 * dropped or repaired one by one, sorted by time, and of rows sharing a time the first in file order is kept:
 * all of them lie in the range), so these are exactly the whole ticker's clean bars of that range; the count
 * and the first and last time are checked against the plan all the same.
 */
async function loadBlock(
  c: Readonly<ResolvedBuildSamplesOptions>,
  block: TickerBlock,
  db: DuckDB,
): Promise<{ block: TickerBlock; cleaned: CleanedBars; load: TickerLoad }> {
  const file = resolve(c.dataDir, rawFileName(c, block.ticker));
  const rows = await countRawRows(file, db);
  if (rows !== block.rawRows)
    throw changed(c, block.ticker, `${rows} rows, the plan of this run read ${block.rawRows}`);
  const [fromUs, toUs] = block.timeUs;
  const raw = await readRawBars(file, db, { fromUs, toUs });
  const cleaned = cleanBars(raw, { gapFactor: c.gapFactor, inconsistentBars: c.inconsistentBars });
  const { time } = cleaned.bars;
  const expected = block.bars[1] - block.bars[0];
  if (time.length !== expected || time[0] !== fromUs || time[time.length - 1] !== toUs)
    throw changed(
      c,
      block.ticker,
      `block ${block.key} (bars ${block.bars[0]}..${block.bars[1] - 1}) has ${time.length} clean bars from ` +
        `${iso(time[0])} to ${iso(time[time.length - 1])}, the plan of this run counted ${expected} from ` +
        `${iso(fromUs)} to ${iso(toUs)}`,
    );
  return { block, cleaned, load: { ticker: block.key, file, cleaning: cleaned.report, skipped: null } };
}

function changed(c: Readonly<ResolvedBuildSamplesOptions>, ticker: string, detail: string): Error {
  return new MarketSamplesInputError(
    `${resolve(c.dataDir, rawFileName(c, ticker))}: ${detail}; the raw file changed since the run was planned`,
  );
}

function iso(us: number | undefined): string {
  return us === undefined ? 'none' : new Date(us / 1000).toISOString();
}
