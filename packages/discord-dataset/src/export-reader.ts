import { createReadStream } from 'node:fs';
import { jsonParser } from 'stream-json/core/parser.js';
import type { Token } from 'stream-json/core/parser.js';
import { ExportFormatError } from './errors.js';
import { CountingUtf8Decoder } from './utf8.js';

/** A JSON value as the export holds it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** One message of an export, with the guild and channel of its file. */
export interface ExportedMessage {
  readonly guild: JsonObject | undefined;
  readonly channel: JsonObject;
  readonly message: JsonValue;
  /** 0-based position in the file's `messages` array. */
  readonly index: number;
}

/** What reading an export found besides messages; filled in while it is read. */
export interface ExportReadStats {
  /** Invalid UTF-8 sequences in the file, each read as U+FFFD. */
  invalidUtf8: number;
}

/** Text or bytes of an export: a file path, or chunks (for tests and pipes). */
export type ExportSource = string | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>;

// stream-chain's markers, shared through the symbol registry so no import of it is needed.
const NONE = Symbol.for('object-stream.none');
const MANY = Symbol.for('object-stream.many');
type Tokenizer = (chunk: string | symbol) => unknown;

/**
 * Streams the messages of a DiscordChatExporter JSON export (any exporter version) one at a time,
 * holding only the message being read: a multi-gigabyte export never sits in memory. Numbers stay
 * the strings they were written as, so no snowflake is rounded. An HTML, CSV or text export, a root
 * that is not an export object and malformed JSON fail with an `ExportFormatError` naming the file
 * and the line and column of the problem. Invalid UTF-8 is read as U+FFFD and counted in `stats`.
 *
 * @example
 * for await (const { channel, message } of readDiscordExport('general.json')) { … }
 */
export async function* readDiscordExport(
  source: ExportSource,
  name = typeof source === 'string' ? source : '<export>',
  stats: ExportReadStats = { invalidUtf8: 0 },
): AsyncGenerator<ExportedMessage> {
  const tokenize = jsonParser({ packValues: true, streamValues: false }) as unknown as Tokenizer;
  const state = new ExportState(name);
  const decoder = new CountingUtf8Decoder();
  let chunkIndex = 0;
  let sniffed = false;
  const run = (text: string | symbol): Token[] => {
    try {
      return tokensOf(tokenize(text));
    } catch (error) {
      throw new SyntaxFailure(chunkIndex, error);
    }
  };
  try {
    for await (const raw of chunks(source)) {
      const text = typeof raw === 'string' ? raw : decoder.decode(raw);
      stats.invalidUtf8 = decoder.invalid;
      if (!sniffed && text.trim() !== '') {
        sniffExport(name, text);
        sniffed = true;
      }
      for (const token of run(text)) {
        const message = state.push(token);
        if (message !== undefined) yield message;
      }
      chunkIndex++;
    }
    const rest = decoder.end();
    stats.invalidUtf8 = decoder.invalid;
    if (!sniffed && rest.trim() === '') {
      throw new ExportFormatError(name, 'the file is empty; expected a DiscordChatExporter JSON export');
    }
    const tail = [...(rest === '' ? [] : run(rest)), ...run(NONE)];
    for (const token of tail) {
      const message = state.push(token);
      if (message !== undefined) yield message;
    }
  } catch (error) {
    if (!(error instanceof SyntaxFailure)) throw error;
    const reason = error.cause instanceof Error ? error.cause.message : String(error.cause);
    const position = typeof source === 'string' ? await locateSyntaxError(source, error.chunk) : undefined;
    throw new ExportFormatError(
      name,
      `malformed JSON (${reason.replace(/^Parser /, 'parser ')})`,
      position,
      error.cause,
    );
  }
  state.finish();
}

class SyntaxFailure extends Error {
  constructor(
    readonly chunk: number,
    cause: unknown,
  ) {
    super('syntax', { cause });
  }
}

function tokensOf(result: unknown): Token[] {
  if (result === NONE || result === undefined) return [];
  if (typeof result === 'object' && result !== null && (result as Record<symbol, unknown>)[MANY] === 1) {
    return (result as { values: Token[] }).values;
  }
  return [result as Token];
}

async function* chunks(source: ExportSource): AsyncGenerator<Uint8Array | string> {
  if (typeof source === 'string') {
    yield* createReadStream(source, { highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>;
  } else {
    yield* source;
  }
}

/** Says what other kind of export a file is, since people pick the wrong --format often. */
function sniffExport(name: string, text: string): void {
  const start = text.trimStart().replace(/^\uFEFF/, '');
  const hint = 'export the channel again with DiscordChatExporter --format Json';
  if (start.startsWith('<')) throw new ExportFormatError(name, `this is an HTML export, not JSON; ${hint}`);
  if (/^"?AuthorID"?,/i.test(start))
    throw new ExportFormatError(name, `this is a CSV export, not JSON; ${hint}`);
  if (start.startsWith('====='))
    throw new ExportFormatError(name, `this is a plain-text export, not JSON; ${hint}`);
  if (start.startsWith('[')) {
    throw new ExportFormatError(
      name,
      'the JSON root is an array; a DiscordChatExporter export is an object with guild, channel and messages',
    );
  }
  if (!start.startsWith('{'))
    throw new ExportFormatError(
      name,
      `not JSON (it starts with ${JSON.stringify(start.slice(0, 20))}); ${hint}`,
    );
}

/**
 * Finds the exact line and column of a syntax error found in chunk `failedChunk` of `path`: the
 * file is tokenised again up to that chunk, then that chunk one character at a time. It runs only
 * after a failure, so the fast path never pays for positions.
 */
async function locateSyntaxError(
  path: string,
  failedChunk: number,
): Promise<{ line: number; column: number } | undefined> {
  const tokenize = jsonParser({ packValues: true, streamValues: false }) as unknown as Tokenizer;
  const decoder = new TextDecoder('utf-8');
  let line = 1;
  let column = 1;
  const advance = (text: string): void => {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) {
        line++;
        column = 1;
      } else column++;
    }
  };
  let index = 0;
  try {
    for await (const raw of createReadStream(path, { highWaterMark: 1 << 16 }) as AsyncIterable<Buffer>) {
      const text = decoder.decode(raw, { stream: true });
      if (index < failedChunk) {
        tokenize(text);
        advance(text);
      } else {
        for (const ch of text) {
          tokenize(ch);
          advance(ch);
        }
      }
      index++;
    }
    tokenize(NONE);
  } catch {
    // The tokenizer threw on the character just fed, before `advance` counted it: line and column point at it.
    return { line, column };
  }
  return undefined;
}

type Frame = { container: JsonValue[] | JsonObject; key: string | undefined };

/** Builds one JSON value from tokens; `push` returns the value once it is complete. */
class ValueAssembler {
  #stack: Frame[] = [];
  #key: string | undefined;
  #depth = 0;

  get depth(): number {
    return this.#depth;
  }

  /** Feeds a token; returns `{ value }` when the value being built is complete. */
  push(token: Token): { value: JsonValue } | undefined {
    switch (token.name) {
      case 'startObject':
        return this.#open({});
      case 'startArray':
        return this.#open([]);
      case 'endObject':
      case 'endArray': {
        const frame = this.#stack.pop()!;
        this.#depth--;
        this.#key = frame.key;
        return this.#add(frame.container);
      }
      case 'keyValue':
        this.#key = token.value;
        return undefined;
      case 'stringValue':
        return this.#add(token.value);
      case 'numberValue':
        // Kept as written: snowflakes and byte counts must not lose digits.
        return this.#add(token.value);
      case 'nullValue':
        return this.#add(null);
      case 'trueValue':
        return this.#add(true);
      case 'falseValue':
        return this.#add(false);
      default:
        return undefined;
    }
  }

  #open(container: JsonValue[] | JsonObject): undefined {
    this.#stack.push({ container, key: this.#key });
    this.#key = undefined;
    this.#depth++;
    return undefined;
  }

  #add(value: JsonValue): { value: JsonValue } | undefined {
    const top = this.#stack[this.#stack.length - 1];
    if (top === undefined) return { value };
    if (Array.isArray(top.container)) top.container.push(value);
    else top.container[this.#key!] = value;
    return undefined;
  }
}

/** The walk over an export's top level: `guild` and `channel` are kept, `messages` streamed. */
class ExportState {
  readonly #name: string;
  #depth = 0;
  #key: string | undefined;
  #target: 'guild' | 'channel' | 'message' | 'skip' | undefined;
  #assembler: ValueAssembler | undefined;
  #inMessages = false;
  #sawMessages = false;
  #index = 0;
  #guild: JsonObject | undefined;
  #channel: JsonObject | undefined;

  constructor(name: string) {
    this.#name = name;
  }

  /** Feeds one token; returns a message when one is complete. */
  push(token: Token): ExportedMessage | undefined {
    if (this.#assembler !== undefined) {
      const done = this.#assembler.push(token);
      if (done === undefined) return undefined;
      this.#assembler = undefined;
      const value = done.value;
      if (this.#target === 'guild') this.#guild = asObject(value);
      else if (this.#target === 'channel') this.#channel = asObject(value);
      else if (this.#target === 'message') {
        if (this.#channel === undefined) {
          throw new ExportFormatError(
            this.#name,
            'messages come before the channel object; DiscordChatExporter writes guild and channel first',
          );
        }
        return { guild: this.#guild, channel: this.#channel, message: value, index: this.#index++ };
      }
      return undefined;
    }
    if (this.#depth === 0) {
      if (token.name !== 'startObject') {
        throw new ExportFormatError(
          this.#name,
          'expected a JSON object at the root of a DiscordChatExporter export',
        );
      }
      this.#depth = 1;
      return;
    }
    if (this.#inMessages) {
      if (token.name === 'endArray') {
        this.#inMessages = false;
        return;
      }
      this.#begin('message', token);
      return;
    }
    // Depth 1: the root object's keys.
    if (token.name === 'keyValue') {
      this.#key = token.value;
      return;
    }
    if (token.name === 'endObject') {
      this.#depth = 0;
      return;
    }
    if (this.#key === 'messages') {
      if (token.name !== 'startArray') throw new ExportFormatError(this.#name, '"messages" is not an array');
      this.#inMessages = true;
      this.#sawMessages = true;
      return;
    }
    this.#begin(this.#key === 'guild' ? 'guild' : this.#key === 'channel' ? 'channel' : 'skip', token);
  }

  #begin(target: 'guild' | 'channel' | 'message' | 'skip', token: Token): void {
    this.#target = target;
    const assembler = new ValueAssembler();
    const done = assembler.push(token);
    if (done === undefined) {
      this.#assembler = assembler;
      return;
    }
    // A scalar value: complete at once.
    if (target === 'message') {
      throw new ExportFormatError(this.#name, `message #${this.#index} is not an object`);
    }
    if (target === 'channel') throw new ExportFormatError(this.#name, '"channel" is not an object');
  }

  finish(): void {
    if (!this.#sawMessages) {
      throw new ExportFormatError(
        this.#name,
        'no "messages" array: this is not a DiscordChatExporter JSON export',
      );
    }
  }
}

function asObject(value: JsonValue): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}
