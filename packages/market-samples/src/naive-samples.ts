import { unitOf } from './blocks.js';
import type { CleanedBars } from './cleaning.js';
import { drawChunk } from './sample-positions.js';
import type { ChunkColumns, ChunkContext, ChunkTask } from './sample-chunk.js';
import { SPLITS } from './split.js';

interface BarRow {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  gap: boolean;
}

interface SampleRow {
  ticker: string;
  split: string;
  endTime: number;
  barIndex: number;
  gaps: number;
  features: number[];
  meta: number[];
  rewards: number[];
}

/**
 * The deliberately naive baseline (what the original did before it was vectorised): bars as row
 * objects, one sample at a time on the main thread, window slices and per-element logs, a list of
 * sample objects per chunk stacked into columns at the end. Same positions and same arithmetic as
 * the parallel path, so the same bytes; only for benchmarks and equality tests.
 */
export async function* naiveChunks(
  cleaned: readonly CleanedBars[],
  ctx: ChunkContext,
  tasks: readonly ChunkTask[],
): AsyncGenerator<ChunkColumns> {
  const rows: BarRow[][] = cleaned.map(({ bars, gap }) =>
    Array.from(bars.time, (time, i) => ({
      time,
      open: bars.open[i]!,
      high: bars.high[i]!,
      low: bars.low[i]!,
      close: bars.close[i]!,
      volume: bars.volume[i]!,
      gap: gap[i] === 1,
    })),
  );
  const { shape, data } = ctx;
  const w = shape.window;
  for (const task of tasks) {
    const started = performance.now();
    const draws = drawChunk(ctx.positions, ctx.seed, task.index, task.count);
    const samples: SampleRow[] = [];
    for (let r = 0; r < task.count; r++) {
      const end = draws.end[r]!;
      const k = ctx.units.local[unitOf(ctx.units, draws.ticker[r]!, end)]!;
      if (k < 0) continue; // another shard's sample
      const e = end - ctx.units.base[k]!; // within the bars held (a block starts at its halo)
      const bars = rows[k]!;
      const window = bars.slice(e - w + 1, e + 1);
      const last = window[window.length - 1]!;
      let volumeSum = 0;
      let rangeSum = 0;
      let squares = 0;
      window.forEach((bar, t) => {
        volumeSum += bar.volume;
        rangeSum += Math.log(bar.high) - Math.log(bar.low);
        if (t > 0) {
          const ret = Math.log(bar.close) - Math.log(window[t - 1]!.close);
          squares += ret * ret;
        }
      });
      const meanVolume = volumeSum / w;
      const features: number[] = [];
      for (const bar of window) {
        for (const name of shape.features) {
          if (name === 'volume') features.push(meanVolume > 0 ? bar.volume / meanVolume : 0);
          else features.push(Math.log(bar[name]) - Math.log(last.close));
        }
      }
      const raw = [
        Math.log(last.close),
        Math.log1p(meanVolume),
        Math.log(last.close) - Math.log(window[0]!.close),
        Math.sqrt(squares / (w - 1)),
        rangeSum / w,
      ];
      const p = ctx.scaler.perTicker;
      const g = ctx.scaler.global;
      const meta = [
        (raw[0]! - p[4 * k]!) / p[4 * k + 1]!,
        (raw[1]! - p[4 * k + 2]!) / p[4 * k + 3]!,
        (raw[2]! - g[0]!) / g[1]!,
        (raw[3]! - g[2]!) / g[3]!,
        (raw[4]! - g[4]!) / g[5]!,
      ];
      const rewards = shape.horizons.map((h) =>
        e + h < bars.length
          ? Math.log(bars[e + h]!.close) - Math.log(bars[e + 1]!.open) + shape.costLog
          : Number.NaN,
      );
      samples.push({
        ticker: data.tickers[k]!,
        split: SPLITS[draws.split[r]!]!,
        endTime: last.time,
        barIndex: end,
        gaps: window.slice(1).filter((bar) => bar.gap).length,
        features,
        meta,
        rewards,
      });
    }
    yield { ...stack(samples, shape.horizons.length), computeMs: performance.now() - started };
    await Promise.resolve();
  }
}

function stack(samples: readonly SampleRow[], horizons: number): Omit<ChunkColumns, 'computeMs'> {
  const encoder = new TextEncoder();
  const utf8 = (values: string[]) => {
    const parts = values.map((v) => encoder.encode(v));
    const offsets = new Int32Array(values.length + 1);
    parts.forEach((p, i) => (offsets[i + 1] = offsets[i]! + p.length));
    const data = new Uint8Array(offsets[values.length]!);
    parts.forEach((p, i) => data.set(p, offsets[i]));
    return { offsets, data };
  };
  return {
    count: samples.length,
    perSplit: [0, 1, 2].map((s) => samples.filter((x) => x.split === SPLITS[s]).length) as [
      number,
      number,
      number,
    ],
    ticker: utf8(samples.map((s) => s.ticker)),
    split: utf8(samples.map((s) => s.split)),
    endTime: BigInt64Array.from(samples, (s) => BigInt(s.endTime)),
    barIndex: Int32Array.from(samples, (s) => s.barIndex),
    gaps: Int32Array.from(samples, (s) => s.gaps),
    features: Float32Array.from(samples.flatMap((s) => s.features)),
    meta: Float32Array.from(samples.flatMap((s) => s.meta)),
    rewards: Array.from({ length: horizons }, (_, j) => Float32Array.from(samples, (s) => s.rewards[j]!)),
  };
}
