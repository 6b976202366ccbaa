// JSONL: record-io's streaming writer and reader against the simplest whole-file code (build one
// string / read one string) and against node:readline. Every write variant writes the same bytes and
// every read variant writes a checksum of what it read, so the runner checks they did the same work.
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runBenchmark } from '@prepkit/bench-harness';
import type { BenchmarkResult, BenchmarkVariant } from '@prepkit/bench-harness';
import { readJsonl, writeJsonl } from '../src/index.js';
import { jsonlRecord } from './bench-data.js';

export interface JsonlBenchSettings {
  records: number;
  warmup: number;
  repeats: number;
  noSave: boolean;
}

interface ReadInput {
  path: string;
}

function* records(count: number): Generator<ReturnType<typeof jsonlRecord>> {
  for (let i = 0; i < count; i++) yield jsonlRecord(i);
}

export async function runJsonlWriteBenchmark(settings: JsonlBenchSettings): Promise<BenchmarkResult> {
  const count = settings.records;
  const variants: BenchmarkVariant<undefined>[] = [
    {
      name: 'writeFile (whole string)',
      async run({ outputDir }) {
        const lines: string[] = [];
        for (const record of records(count)) lines.push(JSON.stringify(record));
        await writeFile(join(outputDir, 'out.jsonl'), `${lines.join('\n')}\n`);
        return { items: count, outputs: ['out.jsonl'] };
      },
    },
    {
      name: 'record-io writeJsonl',
      async run({ outputDir }) {
        await writeJsonl(join(outputDir, 'out.jsonl'), records(count));
        return { items: count, outputs: ['out.jsonl'] };
      },
    },
  ];
  return runBenchmark({
    package: 'record-io',
    name: `JSONL write, ${count.toLocaleString('en-US')} records`,
    unit: 'records',
    variants,
    baseline: 'writeFile (whole string)',
    warmup: settings.warmup,
    repeats: settings.repeats,
    params: { records: count },
    noSave: settings.noSave,
  });
}

export async function runJsonlReadBenchmark(settings: JsonlBenchSettings): Promise<BenchmarkResult> {
  const count = settings.records;
  const checksum = async (outputDir: string, ids: number, sum: number) => {
    await writeFile(join(outputDir, 'checksum.txt'), `${ids} ${sum}\n`);
    return { items: ids, outputs: ['checksum.txt'] };
  };
  const variants: BenchmarkVariant<ReadInput>[] = [
    {
      name: 'readFile + split',
      async run({ input, outputDir }) {
        let n = 0;
        let sum = 0;
        for (const line of (await readFile(input.path, 'utf8')).split('\n')) {
          if (line === '') continue;
          sum += (JSON.parse(line) as { id: number }).id;
          n++;
        }
        return checksum(outputDir, n, sum);
      },
    },
    {
      name: 'node:readline',
      async run({ input, outputDir }) {
        let n = 0;
        let sum = 0;
        const lines = createInterface({ input: createReadStream(input.path), crlfDelay: Infinity });
        for await (const line of lines) {
          sum += (JSON.parse(line) as { id: number }).id;
          n++;
        }
        return checksum(outputDir, n, sum);
      },
    },
    {
      name: 'record-io readJsonl',
      async run({ input, outputDir }) {
        let n = 0;
        let sum = 0;
        for await (const record of readJsonl<{ id: number }>(input.path)) {
          sum += record.id;
          n++;
        }
        return checksum(outputDir, n, sum);
      },
    },
    {
      name: 'record-io batches(1000)',
      async run({ input, outputDir }) {
        let n = 0;
        let sum = 0;
        for await (const batch of readJsonl<{ id: number }>(input.path).batches(1000)) {
          for (const record of batch) sum += record.id;
          n += batch.length;
        }
        return checksum(outputDir, n, sum);
      },
    },
  ];
  return runBenchmark<ReadInput>({
    package: 'record-io',
    name: `JSONL read, ${count.toLocaleString('en-US')} records`,
    unit: 'records',
    async setup(workDir) {
      const path = join(workDir, 'in.jsonl');
      await writeJsonl(path, records(count));
      return { path };
    },
    variants,
    baseline: 'readFile + split',
    warmup: settings.warmup,
    repeats: settings.repeats,
    params: { records: count },
    noSave: settings.noSave,
  });
}

/** Bytes of the JSONL file the benchmarks write and read. */
export function jsonlBytes(count: number): number {
  let bytes = 0;
  for (const record of records(count)) bytes += Buffer.byteLength(JSON.stringify(record)) + 1;
  return bytes;
}
