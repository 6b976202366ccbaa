// `nx run record-io:bench`: the Parquet and JSONL benchmarks, then ArrayRecord, with the same flags.
// One entry point because an npm script passes extra arguments (`-- --quick`) to its last command only.
await import('./record-io.bench.js');
await import('./arrayrecord.bench.js');
