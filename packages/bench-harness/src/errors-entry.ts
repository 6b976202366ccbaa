// `@prepkit/bench-harness/errors`: the one error base class of prepkit and the one rule for exit codes.
export { AbortedError, PrepkitError, UsageError, throwIfAborted } from './errors.js';
export type { ErrorKind } from './errors.js';
export { errorKind, exitCodeFor } from './exit-code.js';
export {
  InvalidOptionError,
  assertFraction,
  assertNonEmptyString,
  assertNonNegativeInteger,
  assertOneOf,
  assertPositiveInteger,
} from './option-checks.js';
