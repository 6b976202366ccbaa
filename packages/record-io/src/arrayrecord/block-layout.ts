// Where Riegeli chunks may begin and end (riegeli/records/block.h, spec "Implementation notes").
// Offsets are numbers: exact below 2^53 bytes (8 PiB).

export const BLOCK_SIZE = 65_536;
export const BLOCK_HEADER_SIZE = 24;
export const USABLE_BLOCK_SIZE = BLOCK_SIZE - BLOCK_HEADER_SIZE;
export const CHUNK_HEADER_SIZE = 40;

/** Bytes from `pos` to the next block boundary (0 at a boundary). */
export function remainingInBlock(pos: number): number {
  return (BLOCK_SIZE - (pos % BLOCK_SIZE)) % BLOCK_SIZE;
}

/** Not inside, nor immediately after, a block header. */
export function isPossibleChunkBoundary(pos: number): boolean {
  return remainingInBlock(pos) < USABLE_BLOCK_SIZE;
}

export function roundUpToPossibleChunkBoundary(pos: number): number {
  return pos + Math.max(remainingInBlock(pos) - (USABLE_BLOCK_SIZE - 1), 0);
}

/** Where `length` logical bytes starting at `begin` end, counting the block headers among them. */
export function addWithOverhead(begin: number, length: number): number {
  return (
    begin +
    length +
    Math.floor((length + ((begin + USABLE_BLOCK_SIZE - 1) % BLOCK_SIZE)) / USABLE_BLOCK_SIZE) *
      BLOCK_HEADER_SIZE
  );
}

/**
 * The end of a chunk: past its header, data and block headers, padded so that it is at least
 * `numRecords` bytes long and does not end inside or right after a block header.
 */
export function chunkEnd(begin: number, dataSize: number, numRecords: number): number {
  return Math.max(
    addWithOverhead(begin, CHUNK_HEADER_SIZE + dataSize),
    roundUpToPossibleChunkBoundary(begin + numRecords),
  );
}
