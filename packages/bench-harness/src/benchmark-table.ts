import { formatBytes, formatCount, formatDuration } from './format.js';
import type { BenchmarkResult } from './benchmark-runner.js';

/** The Markdown table a benchmark prints and `docs/benchmarks.md` quotes. */
export function formatBenchmarkTable(result: Omit<BenchmarkResult, 'table' | 'resultsFile'>): string {
  const header = `| variant | ${result.unit} | median | min | ${result.unit}/s | CPU | peak RSS | vs ${result.baseline} |`;
  const rows = result.variants.map(
    (v) =>
      `| ${v.name} | ${formatCount(v.items)} | ${formatDuration(v.medianMs)} | ${formatDuration(v.minMs)} | ${formatCount(v.throughput)} | ` +
      `${formatDuration(v.cpuMs)} | ${formatBytes(v.peakRssBytes)} | ${v.speedup.toFixed(2)}x |`,
  );
  const params = Object.entries(result.params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  const compared = result.variants.filter((v) => v.compared);
  const same =
    compared.length > 1
      ? `\n${compared.map((v) => v.name).join(', ')} wrote identical bytes (sha256 of ${compared[0]?.outputs.length ?? 0} output file(s)).`
      : '';
  return [
    `### ${result.package}: ${result.name}`,
    '',
    `${result.machine.cpus} CPUs (${result.machine.cpuModel}), Node ${result.machine.node}; ` +
      `${result.repeats} runs after ${result.warmup} warm-up${params ? `; ${params}` : ''}`,
    '',
    header,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    same,
  ].join('\n');
}
