import { move, transferableSymbol, valueSymbol } from 'piscina';

/**
 * Marks a worker's result so that its buffers are moved to the caller instead of copied.
 * Call it in the worker module: `return moveResult(encoded)`, or, for a result that holds several
 * buffers, name them: `return moveResult({ encoded, input }, [encoded, input])` (handing a task's
 * input buffer back lets the caller reuse it, and the worker does not keep it until its next GC).
 */
export function moveResult<T extends ArrayBuffer | ArrayBufferView>(value: T): T;
export function moveResult<T extends object>(value: T, buffers: readonly ArrayBuffer[]): T;
export function moveResult<T extends object>(value: T, buffers?: readonly ArrayBuffer[]): T {
  if (buffers === undefined) return move(value as ArrayBuffer | ArrayBufferView) as T;
  return move({ [transferableSymbol]: [...buffers], [valueSymbol]: value }) as T;
}
