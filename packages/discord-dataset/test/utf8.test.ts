import { describe, expect, it } from 'vitest';
import { CountingUtf8Decoder } from '../src/utf8.js';

function decodeInChunks(bytes: Uint8Array, size: number): { text: string; invalid: number } {
  const decoder = new CountingUtf8Decoder();
  let text = '';
  for (let i = 0; i < bytes.length; i += size) text += decoder.decode(bytes.subarray(i, i + size));
  text += decoder.end();
  return { text, invalid: decoder.invalid };
}

describe('CountingUtf8Decoder', () => {
  // Valid 2-, 3- and 4-byte characters, a real U+FFFD, a BOM, and 5 invalid sequences.
  const bytes = Buffer.concat([
    Buffer.from('\uFEFFé€😀 \uFFFD '),
    Buffer.from([0x80, 0x41, 0xe2, 0x82, 0x41, 0xc0, 0xaf, 0xf0, 0x9f, 0x98]),
  ]);

  it.each([1, 2, 3, 5, 64])('decodes like TextDecoder and counts replacements, in chunks of %i', (size) => {
    expect(decodeInChunks(bytes, size)).toEqual({ text: new TextDecoder().decode(bytes), invalid: 5 });
  });

  it('counts nothing in valid text, including U+FFFD written in it', () => {
    expect(decodeInChunks(Buffer.from('a\uFFFDb😀'), 1)).toEqual({ text: 'a\uFFFDb😀', invalid: 0 });
  });
});
