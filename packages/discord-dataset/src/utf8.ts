import { isUtf8 } from 'node:buffer';

/**
 * A streaming UTF-8 decoder that counts what it replaces: each invalid sequence becomes U+FFFD (as
 * `TextDecoder` does, maximal subparts) and is added to `invalid`, so a run can say how much text an
 * export lost instead of changing it silently. Valid input (the usual case) is checked with
 * `isUtf8` and decoded without counting.
 */
export class CountingUtf8Decoder {
  /** Invalid sequences replaced with U+FFFD so far. */
  invalid = 0;
  #pending: Uint8Array = new Uint8Array(0);
  #first = true;

  /** Decodes `bytes`, holding back a sequence cut at the end of the chunk until the next one. */
  decode(bytes: Uint8Array): string {
    const data = this.#pending.length === 0 ? bytes : concat(this.#pending, bytes);
    const cut = completeLength(data);
    this.#pending = data.slice(cut);
    return this.#decodePart(data.subarray(0, cut));
  }

  /** Decodes what is held back (an export cut in the middle of a character). */
  end(): string {
    const rest = this.#pending;
    this.#pending = new Uint8Array(0);
    return this.#decodePart(rest);
  }

  #decodePart(part: Uint8Array): string {
    if (part.length === 0) return '';
    // Only the first part may start with the byte-order mark, which the decoder drops.
    const decoder = new TextDecoder('utf-8', { ignoreBOM: !this.#first });
    this.#first = false;
    const text = decoder.decode(part);
    if (!isUtf8(part)) this.invalid += countReplacements(text) - countEncodedReplacements(part);
    return text;
  }
}

/** The length of `data` without a trailing sequence that its next chunk may complete. */
function completeLength(data: Uint8Array): number {
  for (let i = data.length - 1; i >= Math.max(0, data.length - 3); i--) {
    const byte = data[i]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back for the lead
    if (byte < 0xc0) return data.length;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    return data.length - i < need ? i : data.length;
  }
  return data.length;
}

function countReplacements(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) n++;
  return n;
}

/** U+FFFD written in the input itself (EF BF BD), which is text, not a replacement. */
function countEncodedReplacements(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i + 2 < bytes.length; i++) {
    if (bytes[i] === 0xef && bytes[i + 1] === 0xbf && bytes[i + 2] === 0xbd) n++;
  }
  return n;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
