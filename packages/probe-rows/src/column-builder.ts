import type { Column, ColumnSpec, FixedValues } from './columns.js';

const utf8 = new TextEncoder();

/** Collects JS values (as DuckDB's client returns them) into a columnar `Column`. */
export class ColumnBuilder {
  readonly spec: ColumnSpec;
  #values: FixedValues | null;
  #valid: Uint8Array;
  #offsets: Int32Array | null;
  #bytes: Uint8Array | null;
  #byteLength = 0;
  #length = 0;
  #nulls = 0;

  constructor(spec: ColumnSpec, capacity = 1024) {
    this.spec = spec;
    this.#valid = new Uint8Array(capacity);
    this.#values = spec.kind === 'utf8' ? null : allocate(spec.kind, capacity);
    this.#offsets = spec.kind === 'utf8' ? new Int32Array(capacity + 1) : null;
    this.#bytes = spec.kind === 'utf8' ? new Uint8Array(capacity * 16) : null;
  }

  get length(): number {
    return this.#length;
  }

  push(value: unknown): void {
    if (this.#length === this.#valid.length) this.#grow();
    const i = this.#length++;
    if (value === null || value === undefined) {
      this.#nulls++;
      if (this.#offsets !== null) this.#offsets[i + 1] = this.#byteLength;
      return;
    }
    this.#valid[i] = 1;
    switch (this.spec.kind) {
      case 'utf8': {
        const encoded = utf8.encode(typeof value === 'string' ? value : JSON.stringify(value));
        if (this.#byteLength + encoded.length > this.#bytes!.length) {
          const grown = new Uint8Array(Math.max(2 * this.#bytes!.length, this.#byteLength + encoded.length));
          grown.set(this.#bytes!.subarray(0, this.#byteLength));
          this.#bytes = grown;
        }
        this.#bytes!.set(encoded, this.#byteLength);
        this.#byteLength += encoded.length;
        this.#offsets![i + 1] = this.#byteLength;
        return;
      }
      case 'bool':
        (this.#values as Uint8Array)[i] = value === true ? 1 : 0;
        return;
      case 'int64':
        (this.#values as BigInt64Array)[i] = BigInt(value as bigint | number);
        return;
      case 'timestamp':
        // DuckDB's client gives timestamps as objects with `micros`.
        (this.#values as BigInt64Array)[i] =
          typeof value === 'bigint' ? value : (value as { micros: bigint }).micros;
        return;
      default:
        (this.#values as Float64Array)[i] = value as number;
    }
  }

  finish(): Column {
    const n = this.#length;
    return {
      ...this.spec,
      values: this.#values === null ? null : this.#values.slice(0, n),
      offsets: this.#offsets === null ? null : this.#offsets.slice(0, n + 1),
      bytes: this.#bytes === null ? null : this.#bytes.slice(0, this.#byteLength),
      valid: this.#nulls === 0 ? null : this.#valid.slice(0, n),
    };
  }

  #grow(): void {
    const capacity = 2 * this.#valid.length;
    const valid = new Uint8Array(capacity);
    valid.set(this.#valid);
    this.#valid = valid;
    if (this.#values !== null) {
      const values = allocate(this.spec.kind, capacity);
      values.set(this.#values as never);
      this.#values = values;
    }
    if (this.#offsets !== null) {
      const offsets = new Int32Array(capacity + 1);
      offsets.set(this.#offsets);
      this.#offsets = offsets;
    }
  }
}

function allocate(kind: ColumnSpec['kind'], capacity: number): FixedValues {
  switch (kind) {
    case 'bool':
      return new Uint8Array(capacity);
    case 'int16':
      return new Int16Array(capacity);
    case 'int32':
      return new Int32Array(capacity);
    case 'float32':
      return new Float32Array(capacity);
    case 'float64':
      return new Float64Array(capacity);
    default:
      return new BigInt64Array(capacity);
  }
}
