// A generic reader and writer for Thrift's compact protocol, enough to rewrite Parquet footers
// (FileMetaData) without a generated schema: every struct is kept as its ordered list of fields with
// their wire types, so anything not modified is written back exactly as read.

export const ThriftType = {
  true: 1,
  false: 2,
  byte: 3,
  i16: 4,
  i32: 5,
  i64: 6,
  double: 7,
  binary: 8,
  list: 9,
  set: 10,
  map: 11,
  struct: 12,
} as const;

export type ThriftValue = boolean | number | bigint | Uint8Array | ThriftList | ThriftMap | ThriftStruct;

export interface ThriftField {
  readonly id: number;
  /** Wire type; 1 and 2 (boolean true/false) both mean a boolean field. */
  type: number;
  value: ThriftValue;
}

export interface ThriftStruct {
  fields: ThriftField[];
}

export interface ThriftList {
  elementType: number;
  items: ThriftValue[];
}

export interface ThriftMap {
  keyType: number;
  valueType: number;
  entries: [ThriftValue, ThriftValue][];
}

/** Decodes one struct starting at `offset`; `end` is where it stopped. */
export function decodeStruct(bytes: Uint8Array, offset = 0): { struct: ThriftStruct; end: number } {
  const reader = new Reader(bytes, offset);
  const struct = reader.struct();
  return { struct, end: reader.pos };
}

export function encodeStruct(struct: ThriftStruct): Uint8Array {
  const writer = new Writer();
  writer.struct(struct);
  return writer.bytes();
}

/** The field `id` of `struct`, or undefined. */
export function field(struct: ThriftStruct, id: number): ThriftField | undefined {
  return struct.fields.find((f) => f.id === id);
}

class Reader {
  pos: number;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;

  constructor(bytes: Uint8Array, offset: number) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = offset;
  }

  struct(): ThriftStruct {
    const fields: ThriftField[] = [];
    let lastId = 0;
    for (;;) {
      const header = this.#byte();
      if (header === 0) return { fields };
      const type = header & 0x0f;
      const delta = header >> 4;
      const id = delta === 0 ? this.#zigzag32() : lastId + delta;
      lastId = id;
      const value =
        type === ThriftType.true || type === ThriftType.false ? type === ThriftType.true : this.value(type);
      fields.push({ id, type, value });
    }
  }

  value(type: number): ThriftValue {
    switch (type) {
      case ThriftType.true:
      case ThriftType.false:
        return this.#byte() === 1; // a boolean inside a list or map: one byte
      case ThriftType.byte:
        return (this.#byte() << 24) >> 24;
      case ThriftType.i16:
      case ThriftType.i32:
        return this.#zigzag32();
      case ThriftType.i64:
        return this.#zigzag64();
      case ThriftType.double: {
        const value = this.#view.getFloat64(this.pos, true);
        this.pos += 8;
        return value;
      }
      case ThriftType.binary: {
        const length = Number(this.#varint());
        const value = Uint8Array.from(this.#bytes.subarray(this.pos, this.pos + length)); // not a Buffer view
        this.pos += length;
        return value;
      }
      case ThriftType.list:
      case ThriftType.set: {
        const header = this.#byte();
        const elementType = header & 0x0f;
        const size = header >> 4 === 15 ? Number(this.#varint()) : header >> 4;
        const items: ThriftValue[] = [];
        for (let i = 0; i < size; i++) items.push(this.value(elementType));
        return { elementType, items };
      }
      case ThriftType.map: {
        const size = Number(this.#varint());
        if (size === 0) return { keyType: 0, valueType: 0, entries: [] };
        const kinds = this.#byte();
        const map: ThriftMap = { keyType: kinds >> 4, valueType: kinds & 0x0f, entries: [] };
        for (let i = 0; i < size; i++) map.entries.push([this.value(map.keyType), this.value(map.valueType)]);
        return map;
      }
      case ThriftType.struct:
        return this.struct();
      default:
        throw new Error(`unknown Thrift compact type ${type} at byte ${this.pos}`);
    }
  }

  #byte(): number {
    if (this.pos >= this.#bytes.byteLength) throw new Error('Thrift data ends early');
    return this.#bytes[this.pos++] as number;
  }

  #varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = this.#byte();
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  }

  #zigzag32(): number {
    const n = Number(this.#varint());
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  #zigzag64(): bigint {
    const n = this.#varint();
    return (n >> 1n) ^ -(n & 1n);
  }
}

class Writer {
  readonly #chunks: number[] = [];
  readonly #parts: Uint8Array[] = [];

  bytes(): Uint8Array {
    this.#flush();
    return Buffer.concat(this.#parts);
  }

  struct(struct: ThriftStruct): void {
    let lastId = 0;
    for (const { id, type, value } of struct.fields) {
      const wireType = typeof value === 'boolean' ? (value ? ThriftType.true : ThriftType.false) : type;
      const delta = id - lastId;
      if (delta > 0 && delta <= 15) this.#chunks.push((delta << 4) | wireType);
      else {
        this.#chunks.push(wireType);
        this.#varint(zigzag(BigInt(id)));
      }
      lastId = id;
      if (typeof value !== 'boolean') this.value(type, value);
    }
    this.#chunks.push(0);
  }

  value(type: number, value: ThriftValue): void {
    switch (type) {
      case ThriftType.true:
      case ThriftType.false:
        this.#chunks.push(value === true ? 1 : 2);
        return;
      case ThriftType.byte:
        this.#chunks.push((value as number) & 0xff);
        return;
      case ThriftType.i16:
      case ThriftType.i32:
        this.#varint(zigzag(BigInt(value as number)));
        return;
      case ThriftType.i64:
        this.#varint(zigzag(BigInt(value as bigint | number)));
        return;
      case ThriftType.double: {
        const bytes = new Uint8Array(8);
        new DataView(bytes.buffer).setFloat64(0, value as number, true);
        this.#chunks.push(...bytes);
        return;
      }
      case ThriftType.binary: {
        const bytes = value as Uint8Array;
        this.#varint(BigInt(bytes.byteLength));
        this.#flush();
        this.#parts.push(bytes);
        return;
      }
      case ThriftType.list:
      case ThriftType.set: {
        const { elementType, items } = value as ThriftList;
        if (items.length < 15) this.#chunks.push((items.length << 4) | elementType);
        else {
          this.#chunks.push(0xf0 | elementType);
          this.#varint(BigInt(items.length));
        }
        for (const item of items) this.value(elementType, item);
        return;
      }
      case ThriftType.map: {
        const { keyType, valueType, entries } = value as ThriftMap;
        this.#varint(BigInt(entries.length));
        if (entries.length === 0) return;
        this.#chunks.push((keyType << 4) | valueType);
        for (const [k, v] of entries) {
          this.value(keyType, k);
          this.value(valueType, v);
        }
        return;
      }
      case ThriftType.struct:
        this.struct(value as ThriftStruct);
        return;
      default:
        throw new Error(`unknown Thrift compact type ${type}`);
    }
  }

  #varint(n: bigint): void {
    let rest = n;
    while (rest >= 0x80n) {
      this.#chunks.push(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.#chunks.push(Number(rest));
  }

  #flush(): void {
    if (this.#chunks.length === 0) return;
    this.#parts.push(Uint8Array.from(this.#chunks));
    this.#chunks.length = 0;
  }
}

function zigzag(n: bigint): bigint {
  return n >= 0n ? n << 1n : (-n << 1n) - 1n;
}
