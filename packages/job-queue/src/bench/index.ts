// `@prepkit/job-queue/bench`: what every pipeline's `bench-cluster` shares (worker processes of its CLI, a
// variant per worker count, the table of where the time went, peak RSS, empty jobs per second).
export { ClusterBench, emptyJobsPerSecond, peakRssOfCommand, startBenchWorker } from './cluster-bench.js';
export type { BenchWorker, ClusterBenchOptions } from './cluster-bench.js';
