/**
 * A growing byte buffer that encoders write into in place, so that a batch of chunks is built with
 * one copy of each piece instead of one small array per field (allocation and GC dominated the
 * encoding of ~1 KiB records).
 */
export class ByteSink {
  #bytes: Uint8Array;
  #size = 0;

  constructor(capacity = 1 << 16) {
    this.#bytes = new Uint8Array(Math.max(16, capacity));
  }

  get size(): number {
    return this.#size;
  }

  /** Starts over, keeping the memory. */
  clear(): void {
    this.#size = 0;
  }

  /** The bytes written so far (a view: valid until the next write). */
  view(begin = 0, end = this.#size): Uint8Array {
    return this.#bytes.subarray(begin, end);
  }

  /** Makes room for `length` more bytes and returns where they start; they are written through `view`. */
  skip(length: number): number {
    this.#reserve(length);
    const at = this.#size;
    this.#size += length;
    return at;
  }

  push(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    this.#bytes.set(bytes, this.#size);
    this.#size += bytes.length;
  }

  pushByte(byte: number): void {
    this.#reserve(1);
    this.#bytes[this.#size++] = byte;
  }

  /** Protobuf-style unsigned LEB128 (the varints of Riegeli and of the ArrayRecord footer), below 2^64. */
  pushVarint(value: number | bigint): void {
    this.#reserve(10);
    if (typeof value === 'number') {
      let v = value;
      while (v >= 0x80) {
        this.#bytes[this.#size++] = (v % 0x80) | 0x80;
        v = Math.floor(v / 0x80);
      }
      this.#bytes[this.#size++] = v;
      return;
    }
    let v = value;
    while (v >= 0x80n) {
      this.#bytes[this.#size++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.#bytes[this.#size++] = Number(v);
  }

  #reserve(length: number): void {
    if (this.#size + length <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(2 * this.#bytes.length, this.#size + length));
    grown.set(this.#bytes.subarray(0, this.#size));
    this.#bytes = grown;
  }
}
