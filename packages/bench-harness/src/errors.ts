/** Base class of every error bench-harness raises; `code` is stable across releases. */
export class BenchHarnessError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Two variants of one benchmark wrote different bytes: the speed-up would compare different work. */
export class OutputMismatchError extends BenchHarnessError {
  /** The variant whose outputs the others are compared with (normally the baseline). */
  readonly baseline: string;
  readonly variant: string;
  readonly files: readonly string[];

  constructor(baseline: string, variant: string, files: readonly string[]) {
    super(
      'PREPKIT_BENCH_OUTPUT_MISMATCH',
      `variant "${variant}" wrote output that differs from baseline "${baseline}": ${files.join(', ')}`,
    );
    this.baseline = baseline;
    this.variant = variant;
    this.files = files;
  }
}

export class InvalidBenchmarkError extends BenchHarnessError {
  constructor(message: string) {
    super('PREPKIT_BENCH_INVALID', message);
  }
}
