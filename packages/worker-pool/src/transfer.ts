import { move } from 'piscina';

/**
 * Marks a worker's result so that its buffer is moved to the caller instead of copied.
 * Call it in the worker module: `return moveResult(encoded)`.
 */
export function moveResult<T extends ArrayBuffer | ArrayBufferView>(value: T): T {
  return move(value) as T;
}
