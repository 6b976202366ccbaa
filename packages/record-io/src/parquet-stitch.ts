// Joins one-row-group Parquet files, encoded independently (on worker threads, in any order), into
// one file: their column chunks are appended in order and one footer lists every row group with its
// offsets moved to where its bytes now sit. Page indexes (written by arrow-rs after the row groups)
// are not carried over; readers fall back to row-group statistics, which are kept.
import { ThriftType, decodeStruct, encodeStruct, field } from './thrift-compact.js';
import type { ThriftList, ThriftStruct, ThriftValue } from './thrift-compact.js';

export const PARQUET_MAGIC = Uint8Array.from([0x50, 0x41, 0x52, 0x31]); // "PAR1"

// Field ids from parquet.thrift.
const FILE = { numRows: 3, rowGroups: 4, keyValueMetadata: 5 } as const;
const KEY_VALUE = { key: 1 } as const;
const ROW_GROUP = { columns: 1, fileOffset: 5, ordinal: 7 } as const;
const CHUNK = { fileOffset: 2, metaData: 3, firstPageIndexField: 4, lastPageIndexField: 7 } as const;
const COLUMN_META = {
  totalCompressedSize: 7,
  dataPageOffset: 9,
  indexPageOffset: 10,
  dictionaryPageOffset: 11,
  bloomFilterOffset: 14,
} as const;

/**
 * Builds one Parquet file from single-file parts: write `PARQUET_MAGIC`, then what `append` returns
 * for each part in order, then `footer()`.
 */
export class ParquetStitcher {
  #template: ThriftStruct | undefined;
  readonly #rowGroups: ThriftStruct[] = [];
  #rows = 0n;
  /** Where the next part's column chunks will start in the output. */
  #position = PARQUET_MAGIC.byteLength;

  /** Records a part's row groups and returns its column-chunk bytes to append to the output. */
  append(file: Uint8Array): Uint8Array {
    const metadata = readFooter(file);
    this.#template ??= metadata;
    const groups = (field(metadata, FILE.rowGroups)?.value as ThriftList | undefined)?.items ?? [];
    const start = PARQUET_MAGIC.byteLength;
    let end = start;
    for (const group of groups as ThriftStruct[]) {
      for (const chunk of columnChunks(group)) {
        const meta = field(chunk, CHUNK.metaData)?.value as ThriftStruct;
        if (field(meta, COLUMN_META.bloomFilterOffset) !== undefined) {
          throw new Error('cannot merge Parquet parts that carry bloom filters');
        }
        const first =
          int(meta, COLUMN_META.dictionaryPageOffset) ?? int(meta, COLUMN_META.dataPageOffset) ?? 0n;
        const size = int(meta, COLUMN_META.totalCompressedSize) ?? 0n;
        end = Math.max(end, Number(first + size));
      }
    }
    const shift = BigInt(this.#position - start);
    for (const group of groups as ThriftStruct[]) {
      for (const chunk of columnChunks(group)) {
        const meta = field(chunk, CHUNK.metaData)?.value as ThriftStruct;
        for (const id of [
          COLUMN_META.dataPageOffset,
          COLUMN_META.indexPageOffset,
          COLUMN_META.dictionaryPageOffset,
        ]) {
          move(meta, id, shift);
        }
        // file_offset is deprecated and often 0 ("unknown"); move it only when set.
        if ((int(chunk, CHUNK.fileOffset) ?? 0n) > 0n) move(chunk, CHUNK.fileOffset, shift);
        chunk.fields = chunk.fields.filter(
          (f) => f.id < CHUNK.firstPageIndexField || f.id > CHUNK.lastPageIndexField,
        );
      }
      move(group, ROW_GROUP.fileOffset, shift);
      const ordinal = field(group, ROW_GROUP.ordinal);
      if (ordinal !== undefined) {
        if (this.#rowGroups.length <= 0x7fff) ordinal.value = this.#rowGroups.length;
        else group.fields = group.fields.filter((f) => f.id !== ROW_GROUP.ordinal);
      }
      this.#rowGroups.push(group);
    }
    this.#rows += int(metadata, FILE.numRows) ?? 0n;
    this.#position += end - start;
    return file.subarray(start, end);
  }

  /** Row groups appended so far. */
  get rowGroups(): number {
    return this.#rowGroups.length;
  }

  /** The merged FileMetaData, its length and the closing magic. */
  footer(): Uint8Array {
    const template = this.#template;
    if (template === undefined) throw new Error('no Parquet part was appended');
    const fields = template.fields.map((f) => {
      if (f.id === FILE.numRows) return { ...f, value: this.#rows };
      if (f.id === FILE.rowGroups) {
        return { ...f, value: { elementType: ThriftType.struct, items: this.#rowGroups } };
      }
      // arrow-rs lists key-value metadata in HashMap order, which changes from process to process.
      if (f.id === FILE.keyValueMetadata) return { ...f, value: sortedByKey(f.value as ThriftList) };
      return f;
    });
    const metadata = encodeStruct({ fields });
    const trailer = new Uint8Array(8);
    new DataView(trailer.buffer).setUint32(0, metadata.byteLength, true);
    trailer.set(PARQUET_MAGIC, 4);
    return Buffer.concat([metadata, trailer]);
  }
}

function sortedByKey(list: ThriftList): ThriftList {
  const key = (item: ThriftValue) =>
    Buffer.from(field(item as ThriftStruct, KEY_VALUE.key)?.value as Uint8Array);
  return { ...list, items: [...list.items].sort((a, b) => Buffer.compare(key(a), key(b))) };
}

/** The FileMetaData of a whole Parquet file held in memory. */
export function readFooter(file: Uint8Array): ThriftStruct {
  const n = file.byteLength;
  const magicAt = (at: number) => PARQUET_MAGIC.every((b, i) => file[at + i] === b);
  if (n < 12 || !magicAt(0) || !magicAt(n - 4)) throw new Error('not a Parquet file (no PAR1 magic)');
  const length = new DataView(file.buffer, file.byteOffset, n).getUint32(n - 8, true);
  const start = n - 8 - length;
  if (start < 4) throw new Error(`Parquet footer length ${length} does not fit a ${n}-byte file`);
  return decodeStruct(file.subarray(start, n - 8)).struct;
}

function columnChunks(group: ThriftStruct): ThriftStruct[] {
  return ((field(group, ROW_GROUP.columns)?.value as ThriftList | undefined)?.items ?? []) as ThriftStruct[];
}

function int(struct: ThriftStruct, id: number): bigint | undefined {
  const value = field(struct, id)?.value;
  return typeof value === 'bigint' ? value : typeof value === 'number' ? BigInt(value) : undefined;
}

function move(struct: ThriftStruct, id: number, shift: bigint): void {
  const f = field(struct, id);
  if (f !== undefined) f.value = (int(struct, id) ?? 0n) + shift;
}
