/** Reading protobuf-style unsigned LEB128, the varints of Riegeli and of the ArrayRecord footer (ByteSink writes them). */

export interface VarintRead {
  readonly value: bigint;
  /** Position after the varint. */
  readonly next: number;
}

/** Reads a varint at `pos` (up to 10 bytes, non-shortest forms accepted); undefined if truncated or too long. */
export function readVarint(bytes: Uint8Array, pos: number): VarintRead | undefined {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    const b = bytes[pos + i];
    if (b === undefined) return undefined;
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if (b < 0x80) return { value, next: pos + i + 1 };
  }
  return undefined;
}
