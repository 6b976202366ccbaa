/** Protobuf-style unsigned LEB128, the varints of Riegeli and of the ArrayRecord footer. */

export function varintLength(value: number | bigint): number {
  let v = BigInt(value);
  let length = 1;
  while (v >= 0x80n) {
    v >>= 7n;
    length++;
  }
  return length;
}

/** Appends the shortest encoding of `value` (a non-negative integer below 2^64) to `out`. */
export function pushVarint(out: number[], value: number | bigint): void {
  if (typeof value === 'number' && value < 2 ** 31) {
    let v = value;
    while (v >= 0x80) {
      out.push((v & 0x7f) | 0x80);
      v >>>= 7;
    }
    out.push(v);
    return;
  }
  let v = BigInt(value);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
}

export function encodeVarint(value: number | bigint): Uint8Array {
  const out: number[] = [];
  pushVarint(out, value);
  return Uint8Array.from(out);
}

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
