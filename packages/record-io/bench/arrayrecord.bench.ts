// `nx run record-io:bench` (ArrayRecord part): write and read back ~1 KiB records with zstd:3 and
// group_size 1 (the defaults Grain expects), encoding on 1 thread against 2. Both writers must
// produce the same bytes; the runner checks.
import { join } from 'node:path';
import { printBenchmark, runBenchmark, runBenchScript } from '@prepkit/bench-harness';
import type { BenchmarkVariant } from '@prepkit/bench-harness';
import { ArrayRecordReader, ArrayRecordWriter } from '../src/index.js';

/**
 * Deterministic records of 768–1280 bytes (a third text-like, the rest noise, like mixed columns),
 * back to back in one buffer and handed out as views, as a streaming producer hands them over.
 * Holding a million separate arrays instead made every young-generation GC on the writing thread
 * ~10x as long (measured with --trace-gc: ~16 ms against ~1.5 ms per scavenge), a cost of this
 * benchmark's storage that starved the encoding threads while the writer waited for GC.
 */
class Records {
  readonly bytes: Uint8Array;
  readonly #offsets: Float64Array;

  constructor(readonly count: number) {
    this.#offsets = new Float64Array(count + 1);
    for (let r = 0; r < count; r++) this.#offsets[r + 1] = this.#offsets[r]! + 768 + ((r * 7919) % 513);
    this.bytes = new Uint8Array(this.#offsets[count]!);
    let x = 12345;
    for (let r = 0; r < count; r++) {
      const start = this.#offsets[r]!;
      const length = this.#offsets[r + 1]! - start;
      for (let i = 0; i < length; i++) {
        x = (x * 1103515245 + 12345) >>> 0;
        this.bytes[start + i] = i % 3 === 0 ? 97 + ((i + r) % 26) : x >>> 24;
      }
    }
  }

  at(r: number): Uint8Array {
    return this.bytes.subarray(this.#offsets[r], this.#offsets[r + 1]);
  }
}

const OPTIONS = 'group_size:1,zstd:3';

function writeVariant(threads: number, records: Records): BenchmarkVariant<undefined> {
  return {
    name: `write, ${threads} thread${threads > 1 ? 's' : ''}`,
    async run({ outputDir }) {
      const writer = await ArrayRecordWriter.create(join(outputDir, 'data.array_record'), {
        options: OPTIONS,
        threads,
      });
      for (let r = 0; r < records.count; r++) await writer.write(records.at(r));
      const summary = await writer.close();
      return { items: summary.records, outputs: ['data.array_record'] };
    },
  };
}

await runBenchScript('ArrayRecord write (1 vs 2 encoding threads) and read.', async (flags) => {
  const count = flags.quick ? 20_000 : 1_000_000;
  process.stderr.write(`generating ${count} records…\n`);
  const records = new Records(count);
  const megabytes = records.bytes.length / 1e6;
  const common = {
    package: 'record-io',
    unit: 'records',
    warmup: flags.warmup ?? (flags.quick ? 0 : 1),
    repeats: flags.repeats ?? (flags.quick ? 1 : 3),
    params: { records: count, megabytes: Math.round(megabytes), options: OPTIONS },
    noSave: flags.noSave,
  };
  const write = await runBenchmark({
    ...common,
    name: `ArrayRecord write, ${count} records of ~1 KiB (${megabytes.toFixed(0)} MB)`,
    variants: [writeVariant(1, records), writeVariant(2, records)],
    baseline: 'write, 1 thread',
  });
  printBenchmark(write, flags);

  const read = await runBenchmark({
    ...common,
    name: `ArrayRecord read back, ${count} records`,
    setup: async (workDir) => {
      const path = join(workDir, 'data.array_record');
      const writer = await ArrayRecordWriter.create(path, { options: OPTIONS, threads: 2 });
      for (let r = 0; r < records.count; r++) await writer.write(records.at(r));
      await writer.close();
      return path;
    },
    variants: [
      {
        name: 'read all, in order',
        async run({ input }) {
          await using reader = await ArrayRecordReader.open(input);
          let n = 0;
          for await (const record of reader) n += record.length > 0 ? 1 : 1;
          return { items: n };
        },
      },
      {
        name: 'read 10% by random index',
        async run({ input }) {
          await using reader = await ArrayRecordReader.open(input);
          let x = 7;
          const n = Math.floor(reader.length / 10);
          for (let i = 0; i < n; i++) {
            x = (x * 1103515245 + 12345) >>> 0;
            await reader.get(x % reader.length);
          }
          return { items: n };
        },
      },
    ],
    baseline: 'read all, in order',
  });
  printBenchmark(read, flags);
  if (!flags.json) {
    const [one, two] = write.variants;
    if (one !== undefined && two !== undefined) {
      process.stdout.write(
        `\nwrite MB/s: 1 thread ${(megabytes / (one.medianMs / 1000)).toFixed(0)}, 2 threads ${(megabytes / (two.medianMs / 1000)).toFixed(0)}; ` +
          `2 threads / 1 thread: ${two.speedup.toFixed(2)}x` +
          // On --quick's 20K records, starting the two workers outweighs the work.
          `${flags.quick ? ' (smoke run: the target applies to the full 1M run)' : ' (target >= 1.6x)'}\n`,
      );
    }
  }
});
