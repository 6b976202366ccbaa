import type { CopyBatch } from '@prepkit/db-cursors';
import { DataError } from './errors.js';

/**
 * The selected messages in columns, sorted by id: what every strategy loads and what the forest is
 * built from. Row `i` of every column is the same message; ids ascend, so a row's index orders it
 * exactly as its snowflake does.
 */
export interface MessageTable {
  readonly length: number;
  readonly ids: BigInt64Array;
  /** The id each message replies to; meaningless where `hasParent` is 0. */
  readonly parentIds: BigInt64Array;
  readonly hasParent: Uint8Array;
  readonly authorIds: BigInt64Array;
  /** Nickname if any, else account name. */
  readonly names: readonly string[];
  readonly isBot: Uint8Array;
  /** 1 for chat messages (types Default and Reply); 0 for system messages (joins, pins, threads…). */
  readonly chat: Uint8Array;
  /** 1 where the message's author is `--assistant-author` (by id, account name or nickname). */
  readonly assistant: Uint8Array;
  readonly contents: readonly string[];
  /** The `mentions` jsonb as text, for messages whose content holds `<@`; else null. */
  readonly mentions: readonly (string | null)[];
}

/** One row as the non-COPY strategies receive it (bigints as decimal strings, as pg returns them). */
export interface MessageRow {
  id: string;
  parent_id: string | null;
  author_id: string;
  author_name: string;
  is_bot: boolean;
  chat: boolean;
  assistant: boolean;
  content: string;
  mentions: string | null;
}

/** Accumulates rows or COPY batches in growable columns; `finish()` sorts them by id. */
export class MessageTableBuilder {
  #length = 0;
  #capacity: number;
  #ids: BigInt64Array;
  #parentIds: BigInt64Array;
  #hasParent: Uint8Array;
  #authorIds: BigInt64Array;
  #isBot: Uint8Array;
  #chat: Uint8Array;
  #assistant: Uint8Array;
  #names: string[] = [];
  #contents: string[] = [];
  #mentions: (string | null)[] = [];

  constructor(capacity = 1 << 14) {
    this.#capacity = capacity;
    this.#ids = new BigInt64Array(capacity);
    this.#parentIds = new BigInt64Array(capacity);
    this.#hasParent = new Uint8Array(capacity);
    this.#authorIds = new BigInt64Array(capacity);
    this.#isBot = new Uint8Array(capacity);
    this.#chat = new Uint8Array(capacity);
    this.#assistant = new Uint8Array(capacity);
  }

  get length(): number {
    return this.#length;
  }

  /** Appends one row of the shared SELECT list. */
  appendRow(row: MessageRow): void {
    this.#reserve(1);
    const i = this.#length++;
    this.#ids[i] = BigInt(row.id);
    if (row.parent_id !== null) {
      this.#parentIds[i] = BigInt(row.parent_id);
      this.#hasParent[i] = 1;
    }
    this.#authorIds[i] = BigInt(row.author_id);
    this.#isBot[i] = row.is_bot ? 1 : 0;
    this.#chat[i] = row.chat ? 1 : 0;
    this.#assistant[i] = row.assistant ? 1 : 0;
    this.#names.push(row.author_name);
    this.#contents.push(row.content);
    this.#mentions.push(row.mentions);
  }

  /** Appends a COPY batch of the shared SELECT list, column by column. */
  appendBatch(batch: CopyBatch): void {
    const n = batch.length;
    this.#reserve(n);
    const at = this.#length;
    const parent = batch.column('parent_id');
    this.#ids.set((batch.column('id').values as BigInt64Array).subarray(0, n), at);
    this.#parentIds.set((parent.values as BigInt64Array).subarray(0, n), at);
    const nulls = parent.nulls;
    for (let i = 0; i < n; i++) this.#hasParent[at + i] = nulls[i] === 1 ? 0 : 1;
    this.#authorIds.set((batch.column('author_id').values as BigInt64Array).subarray(0, n), at);
    this.#isBot.set((batch.column('is_bot').values as Uint8Array).subarray(0, n), at);
    this.#chat.set((batch.column('chat').values as Uint8Array).subarray(0, n), at);
    this.#assistant.set((batch.column('assistant').values as Uint8Array).subarray(0, n), at);
    const names = batch.column('author_name').values as (string | null)[];
    const contents = batch.column('content').values as (string | null)[];
    const mentions = batch.column('mentions').values as (string | null)[];
    for (let i = 0; i < n; i++) {
      this.#names.push(names[i] ?? '');
      this.#contents.push(contents[i] ?? '');
      this.#mentions.push(mentions[i] ?? null);
    }
    this.#length += n;
  }

  /** The table, sorted by id. Throws `DataError` if an id occurs twice. */
  finish(): MessageTable {
    const n = this.#length;
    const ids = this.#ids.subarray(0, n);
    const order = isAscending(ids) ? undefined : argsortInt64(ids);
    const take64 = (a: BigInt64Array): BigInt64Array => permute64(a.subarray(0, n), order);
    const take8 = (a: Uint8Array): Uint8Array => permute8(a.subarray(0, n), order);
    const takeArray = <T>(a: T[]): T[] => (order === undefined ? a : Array.from(order, (i) => a[i]!));
    const table: MessageTable = {
      length: n,
      ids: take64(this.#ids),
      parentIds: take64(this.#parentIds),
      hasParent: take8(this.#hasParent),
      authorIds: take64(this.#authorIds),
      names: takeArray(this.#names),
      isBot: take8(this.#isBot),
      chat: take8(this.#chat),
      assistant: take8(this.#assistant),
      contents: takeArray(this.#contents),
      mentions: takeArray(this.#mentions),
    };
    const duplicate = firstDuplicate(table.ids);
    if (duplicate !== undefined) {
      throw new DataError(
        `message id ${duplicate} occurs more than once in the selection; messages.id must be unique (a primary key)`,
      );
    }
    return table;
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#capacity) return;
    let capacity = this.#capacity * 2;
    while (capacity < this.#length + extra) capacity *= 2;
    this.#capacity = capacity;
    const grow64 = (a: BigInt64Array): BigInt64Array => {
      const b = new BigInt64Array(capacity);
      b.set(a);
      return b;
    };
    const grow8 = (a: Uint8Array): Uint8Array => {
      const b = new Uint8Array(capacity);
      b.set(a);
      return b;
    };
    this.#ids = grow64(this.#ids);
    this.#parentIds = grow64(this.#parentIds);
    this.#authorIds = grow64(this.#authorIds);
    this.#hasParent = grow8(this.#hasParent);
    this.#isBot = grow8(this.#isBot);
    this.#chat = grow8(this.#chat);
    this.#assistant = grow8(this.#assistant);
  }
}

function isAscending(ids: BigInt64Array): boolean {
  const words = new Uint32Array(ids.buffer, ids.byteOffset, ids.length * 2);
  for (let i = 1; i < ids.length; i++) {
    if (compareAt(words, i - 1, words, i) > 0) return false;
  }
  return true;
}

function firstDuplicate(sorted: BigInt64Array): bigint | undefined {
  const words = new Uint32Array(sorted.buffer, sorted.byteOffset, sorted.length * 2);
  for (let i = 1; i < sorted.length; i++) {
    if (compareAt(words, i - 1, words, i) === 0) return sorted[i];
  }
  return undefined;
}

/**
 * Compares the signed 64-bit integers at `i` of `a` and `j` of `b`, given as little-endian pairs of
 * 32-bit words; no BigInt is allocated (reading a BigInt64Array allocates one per element).
 */
export function compareAt(a: Uint32Array, i: number, b: Uint32Array, j: number): number {
  const ha = (a[2 * i + 1]! ^ 0x80000000) >>> 0;
  const hb = (b[2 * j + 1]! ^ 0x80000000) >>> 0;
  if (ha !== hb) return ha < hb ? -1 : 1;
  const la = a[2 * i]!;
  const lb = b[2 * j]!;
  return la === lb ? 0 : la < lb ? -1 : 1;
}

/** The permutation that sorts signed 64-bit `values` ascending: an LSD radix sort on 16-bit digits (stable). */
export function argsortInt64(values: BigInt64Array): Int32Array {
  const n = values.length;
  const digits = new Uint16Array(values.buffer, values.byteOffset, n * 4);
  let order = new Int32Array(n);
  let next = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const counts = new Int32Array(65_537);
  for (let pass = 0; pass < 4; pass++) {
    // The top digit carries the sign: flipping its high bit orders negatives first.
    const flip = pass === 3 ? 0x8000 : 0;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((digits[order[i]! * 4 + pass]! ^ flip) & 0xffff) + 1]!++;
    for (let d = 0; d < 65_536; d++) counts[d + 1]! += counts[d]!;
    for (let i = 0; i < n; i++) {
      const row = order[i]!;
      next[counts[(digits[row * 4 + pass]! ^ flip) & 0xffff]!++] = row;
    }
    [order, next] = [next, order];
  }
  return order;
}

function permute64(values: BigInt64Array, order: Int32Array | undefined): BigInt64Array {
  if (order === undefined) return values.slice();
  const src = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  const out = new BigInt64Array(values.length);
  const dst = new Uint32Array(out.buffer);
  for (let i = 0; i < order.length; i++) {
    const from = order[i]!;
    dst[2 * i] = src[2 * from]!;
    dst[2 * i + 1] = src[2 * from + 1]!;
  }
  return out;
}

function permute8(values: Uint8Array, order: Int32Array | undefined): Uint8Array {
  if (order === undefined) return values.slice();
  const out = new Uint8Array(values.length);
  for (let i = 0; i < order.length; i++) out[i] = values[order[i]!]!;
  return out;
}
