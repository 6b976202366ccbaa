import { InvalidArgumentError } from 'commander';

// Argument parsers for commander options, shared by the pipelines' CLIs and the bench scripts. Each
// throws commander's InvalidArgumentError, which commander reports as
// `option '--workers <n>' argument '0' is invalid. must be a positive integer`.

const DIGITS = /^\d+(_\d+)*$/; // 1000000 or 1_000_000; no sign, exponent or blank

/** An integer >= 1 (`--workers 2`, `--rows 1_000_000`). */
export function positiveInteger(value: string): number {
  const n = wholeNumber(value);
  if (n === undefined || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

/** An integer >= 0 (`--warmup 0`). */
export function nonNegativeInteger(value: string): number {
  const n = wholeNumber(value);
  if (n === undefined) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

/** Any safe integer, negative too (`--seed -1`). */
export function integer(value: string): number {
  const trimmed = value.trim();
  const n = wholeNumber(trimmed.startsWith('-') ? trimmed.slice(1) : trimmed);
  if (n === undefined) throw new InvalidArgumentError('must be an integer');
  return trimmed.startsWith('-') ? -n : n;
}

/** A finite number > 0 (`--memory-limit-gb 1.5`). */
export function positiveNumber(value: string): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!(n > 0 && Number.isFinite(n))) throw new InvalidArgumentError('must be a positive number');
  return n;
}

/** A number from 0 to 1 inclusive (`--test-fraction 0.1`). */
export function fraction(value: string): number {
  const n = value.trim() === '' ? NaN : Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('must be a number from 0 to 1');
  return n;
}

function wholeNumber(value: string): number | undefined {
  const trimmed = value.trim();
  if (!DIGITS.test(trimmed)) return undefined;
  const n = Number(trimmed.replaceAll('_', ''));
  return Number.isSafeInteger(n) ? n : undefined;
}

/** How a command reports: one JSON object on stdout (`--json`), or nothing but errors (`-q, --quiet`). */
export interface ReportFlags {
  readonly json: boolean;
  readonly quiet: boolean;
}

/** `--json` and `--quiet` from commander's option values: false when not given. */
export function reportFlags(values: { readonly json?: unknown; readonly quiet?: unknown }): ReportFlags {
  return { json: values.json === true, quiet: values.quiet === true };
}
