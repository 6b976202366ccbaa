import { QueueNodeVersionError } from './errors.js';

/** The oldest Node pg-boss 12 runs on. */
export const MIN_QUEUE_NODE_VERSION = '22.12.0';

/** Whether this Node (or `version`, `'22.12.0'` style) can open a queue. */
export function queueSupported(version: string = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 22 || (major === 22 && minor >= 12);
}

/**
 * Throws `QueueNodeVersionError` (kind environment, one line) on Node older than 22.12. Called before
 * pg-boss is imported, so on Node 20 nothing of pg-boss loads and every other command keeps working.
 */
export function assertQueueSupported(version: string = process.versions.node): void {
  if (!queueSupported(version)) throw new QueueNodeVersionError(version);
}
