import { shardOf } from '@prepkit/record-io';
import type { ShardSpec } from '@prepkit/record-io';
import type { MarketData, SampleShape } from './market-data.js';
import type { SamplePositions } from './sample-positions.js';

// Time blocks of very long tickers. A ticker of more than `blockBars` clean bars is cut by window-end bar
// index: block b holds the window ends b x blockBars .. (b + 1) x blockBars - 1, and its shard unit (key
// `ticker#b`) goes to shard shardOf(key, N). A ticker of at most `blockBars` bars is one unit, keyed by its
// name as before blocks, so its samples land in the same shard file. Blocks change only which shard file
// a sample lands in: the draws, the samples and the merged file are the same for any block size.

/**
 * One block with eligible window ends, in the plan (plain JSON): what a shard holding it reads, the bars
 * `bars[0] .. bars[1] - 1` of its ticker: the `window - 1` bars before its first end (the read-only halo),
 * and up to `max(horizons)` bars after its last end (the labels look ahead).
 */
export interface TickerBlock {
  readonly key: string;
  readonly ticker: string;
  /** b: the block holds window ends b x blockBars .. (b + 1) x blockBars - 1. */
  readonly index: number;
  /** Its first and last eligible window end (bar indices within the ticker). */
  readonly firstEnd: number;
  readonly lastEnd: number;
  /** Clean bar range read, [first, end) within the ticker. */
  readonly bars: readonly [number, number];
  /** Times (µs since the epoch, UTC) of the first and last bar read: the raw file is read between them. */
  readonly timeUs: readonly [number, number];
  /** Rows of the raw file when the plan read it (a shard checks the file still has them). */
  readonly rawRows: number;
}

/** The key of block `index` of `ticker` (`#` is not allowed in ticker names, so keys never collide). */
export function blockKey(ticker: string, index: number): string {
  return `${ticker}#${index}`;
}

/**
 * The blocks of the tickers of `positions` longer than `blockBars` that hold eligible window ends; `data`
 * holds those tickers whole (`data.tickers` names them), `rawRows(t)` the rows read from t's raw file.
 */
export function planBlocks(
  data: MarketData,
  positions: SamplePositions,
  shape: SampleShape,
  blockBars: number,
  rawRows: (ticker: string) => number,
): TickerBlock[] {
  const blocks: TickerBlock[] = [];
  const ahead = shape.horizons[shape.horizons.length - 1]!;
  positions.tickers.forEach((ticker, a) => {
    const n = positions.bars[a]!;
    if (n <= blockBars) return;
    const k = data.tickers.indexOf(ticker);
    const at = data.offsets[k]!;
    const ranges = positions.first.map((first, s) => [first[a]!, first[a]! + positions.count[s]![a]! - 1]);
    for (let index = 0; index * blockBars < n; index++) {
      const lo = index * blockBars;
      const hi = Math.min(n, lo + blockBars) - 1;
      let firstEnd = Infinity;
      let lastEnd = -Infinity;
      for (const [from, to] of ranges) {
        if (to! < from! || to! < lo || from! > hi) continue;
        firstEnd = Math.min(firstEnd, Math.max(lo, from!));
        lastEnd = Math.max(lastEnd, Math.min(hi, to!));
      }
      if (firstEnd > lastEnd) continue; // no sample can be drawn here
      const bars = [firstEnd - (shape.window - 1), Math.min(n, lastEnd + ahead + 1)] as const;
      blocks.push({
        key: blockKey(ticker, index),
        ticker,
        index,
        firstEnd,
        lastEnd,
        bars,
        timeUs: [data.time[at + bars[0]]!, data.time[at + bars[1] - 1]!],
        rawRows: rawRows(ticker),
      });
    }
  });
  return blocks;
}

/**
 * Every shard unit of a build, numbered: ticker a's units are `first[a] ..`, one for a ticker of at most
 * `blockBars` bars, else one per block b (window ends b x blockBars ..), whether it has ends or not.
 */
export interface Units {
  readonly blockBars: number;
  readonly first: Int32Array;
  /** 1 where the ticker is cut into blocks. */
  readonly blocked: Uint8Array;
  readonly keys: readonly string[];
  /** The ticker (an index into the positions' tickers) of each unit. */
  readonly ticker: Int32Array;
}

export function shardUnits(positions: Pick<SamplePositions, 'tickers' | 'bars'>, blockBars: number): Units {
  const first = new Int32Array(positions.tickers.length);
  const blocked = new Uint8Array(positions.tickers.length);
  const keys: string[] = [];
  const ticker: number[] = [];
  positions.tickers.forEach((t, a) => {
    first[a] = keys.length;
    const n = positions.bars[a]!;
    blocked[a] = n > blockBars ? 1 : 0;
    const count = blocked[a] === 1 ? Math.ceil(n / blockBars) : 1;
    for (let b = 0; b < count; b++) {
      keys.push(blocked[a] === 1 ? blockKey(t, b) : t);
      ticker.push(a);
    }
  });
  return { blockBars, first, blocked, keys, ticker: Int32Array.from(ticker) };
}

/** The unit of the draw of window end `end` of ticker `a`. */
export function unitOf(
  units: Pick<Units, 'first' | 'blocked' | 'blockBars'>,
  a: number,
  end: number,
): number {
  return units.first[a]! + (units.blocked[a] === 1 ? Math.floor(end / units.blockBars) : 0);
}

/** Whether any ticker of `positions` is cut into blocks of `blockBars` (else every output is as before blocks). */
export function anyBlocked(positions: Pick<SamplePositions, 'bars'>, blockBars: number): boolean {
  return positions.bars.some((n) => n > blockBars);
}

/**
 * Where a shard finds each unit's bars, for the chunk workers: `local[u]` is the index in the shard's market
 * data of the entry holding unit u, or -1 when u is another shard's (or holds no ends); `base[k]` is the bar
 * index within its ticker of entry k's first bar (0 for a whole ticker, the halo's first bar for a block).
 */
export interface UnitTable {
  readonly blockBars: number;
  readonly first: Int32Array;
  readonly blocked: Uint8Array;
  readonly local: Int32Array;
  readonly base: Int32Array;
}

/**
 * The unit table of `shard`, whose market data holds entries keyed `entryKeys` (a ticker's name for the
 * whole ticker, a block key for one block) starting at bars `entryBase` of their tickers.
 */
export function unitTable(
  units: Units,
  positions: Pick<SamplePositions, 'tickers'>,
  shard: ShardSpec,
  entryKeys: readonly string[],
  entryBase: readonly number[],
): UnitTable {
  const entry = new Map(entryKeys.map((key, k) => [key, k]));
  const local = Int32Array.from(units.keys, (key, u) => {
    if (shardOf(key, shard.count) !== shard.index) return -1;
    // The block itself, else its whole ticker (the one-process build holds every ticker whole).
    return entry.get(key) ?? entry.get(positions.tickers[units.ticker[u]!]!) ?? -1;
  });
  return {
    blockBars: units.blockBars,
    first: units.first,
    blocked: units.blocked,
    local,
    base: Int32Array.from(entryBase),
  };
}
