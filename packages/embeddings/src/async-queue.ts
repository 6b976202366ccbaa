/**
 * Pulls up to `depth` items of `source` ahead of the consumer, so that the stage producing them
 * keeps working while the consumer is busy. Items come out in order; an error comes out where it
 * happened.
 */
export async function* prefetch<T>(source: AsyncIterable<T>, depth: number): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const ahead: Promise<IteratorResult<T>>[] = [];
  let done = false;
  try {
    for (;;) {
      while (!done && ahead.length < depth) {
        const next = iterator.next();
        // Handled where it is awaited; this only keeps a rejection from being reported as unhandled.
        next.catch(() => undefined);
        ahead.push(next);
      }
      const result = await ahead.shift()!;
      if (result.done === true) {
        done = true;
        return;
      }
      yield result.value;
    }
  } finally {
    await Promise.allSettled(ahead);
    if (!done) await iterator.return?.();
  }
}
