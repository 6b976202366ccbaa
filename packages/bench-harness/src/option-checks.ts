import { PrepkitError } from './errors.js';

// Every package validates its options once, when it resolves them, with the same words:
// `options.batchSize must be a positive integer (got 0)`.

/** Options that cannot work (a batch size of 0, say): the caller's mistake, not a bug. */
export class InvalidOptionError extends PrepkitError {
  constructor(message: string) {
    super('PREPKIT_INVALID_OPTION', 'config', message);
  }
}

export function assertPositiveInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidOptionError(`options.${name} must be a positive integer (got ${String(value)})`);
  }
}

export function assertNonNegativeInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidOptionError(`options.${name} must be a non-negative integer (got ${String(value)})`);
  }
}

/** A number from 0 to 1 inclusive (a share of rows, threads or probes). */
export function assertFraction(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new InvalidOptionError(`options.${name} must be a number from 0 to 1 (got ${String(value)})`);
  }
}

export function assertNonEmptyString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidOptionError(`options.${name} must be a non-empty string (got ${String(value)})`);
  }
}

export function assertOneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
): asserts value is T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidOptionError(
      `options.${name} must be one of ${allowed.join(', ')} (got ${String(value)})`,
    );
  }
}
