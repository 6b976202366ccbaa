/** How a window of texts is cut into model batches. */
export type BatchOrder = 'length' | 'table';

/**
 * Plans batches over the texts with `lengths[i] > 0`: with `order: 'length'` longest first (ties by
 * position), so each batch pads little; with `'table'` in input order. A batch grows while
 * `texts × longest` stays within `maxBatchTokens` (and `maxBatchSize`); a text longer than the
 * budget goes alone. Returns the positions of each batch's texts.
 */
export function planBatches(
  lengths: ArrayLike<number>,
  maxBatchTokens: number,
  order: BatchOrder = 'length',
  maxBatchSize = Number.POSITIVE_INFINITY,
): number[][] {
  const positions: number[] = [];
  for (let i = 0; i < lengths.length; i++) if (lengths[i]! > 0) positions.push(i);
  if (order === 'length') positions.sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  let longest = 0;
  for (const i of positions) {
    const next = Math.max(longest, lengths[i]!);
    if (
      current.length > 0 &&
      ((current.length + 1) * next > maxBatchTokens || current.length >= maxBatchSize)
    ) {
      batches.push(current);
      current = [];
      longest = 0;
    }
    current.push(i);
    longest = Math.max(longest, lengths[i]!);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
