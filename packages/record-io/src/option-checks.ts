import { InvalidOptionError } from './errors.js';

export function assertPositiveInteger(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(`options.${name} must be a positive integer (got ${String(value)})`);
  }
}

export function assertNonEmptyString(name: string, value: unknown): asserts value is string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidOptionError(`${name} must be a non-empty string (got ${String(value)})`);
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
