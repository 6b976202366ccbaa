import type { TextTokenizer } from './text-tokenizer.js';
import type { WordEncoder } from './word-encoder.js';

/** Why a text gets no vector. */
export type RowFailure = 'null_text' | 'empty_text' | 'invalid_utf8' | 'tokenizer_error';

/** The token ids of a window of texts, flat, with per-text offsets. */
export interface TokenizedTexts {
  /** Ids of all texts, one after the other. */
  readonly ids: Int32Array;
  /** Start of text i in `ids`; `offsets[n]` is the end. */
  readonly offsets: Int32Array;
  /** Texts cut to `maxLength` tokens. */
  readonly truncated: number;
  /** Per text: why it cannot be embedded, or undefined. */
  readonly failures: readonly (RowFailure | undefined)[];
  readonly failureDetails: readonly (string | undefined)[];
}

// A lone surrogate means the text did not come from valid UTF-8 (or UTF-16); U+FFFD is what a
// decoder puts where bytes were not valid UTF-8.
const INVALID_TEXT = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\uFFFD/;

/**
 * Tokenises texts with the model's tokenizer ([CLS] … [SEP]), cutting each to `maxLength` tokens
 * (the first `maxLength - 1` then the final [SEP], as transformers' truncation does). Null, empty
 * (whitespace only) and invalid texts get a failure and no ids. With a `wordEncoder` (same ids) the
 * words of a text are tokenised once each and long texts only as far as `maxLength` needs.
 */
export function tokenizeTexts(
  tokenizer: TextTokenizer,
  texts: readonly (string | null)[],
  maxLength: number,
  wordEncoder?: WordEncoder,
): TokenizedTexts {
  const parts: number[][] = [];
  const failures: (RowFailure | undefined)[] = [];
  const details: (string | undefined)[] = [];
  let truncated = 0;
  let total = 0;
  for (const text of texts) {
    let ids: number[] = [];
    let failure: RowFailure | undefined;
    let detail: string | undefined;
    if (text === null) failure = 'null_text';
    else if (text.trim() === '') failure = 'empty_text';
    else if (INVALID_TEXT.test(text)) failure = 'invalid_utf8';
    else {
      try {
        ids = wordEncoder?.encode(text, maxLength) ?? tokenizer.encode(text).ids;
        if (ids.length <= 2) failure = 'empty_text';
      } catch (cause) {
        failure = 'tokenizer_error';
        detail = (cause as Error).message;
      }
    }
    if (failure !== undefined) ids = [];
    else if (ids.length > maxLength) {
      ids = [...ids.slice(0, maxLength - 1), ids[ids.length - 1]!];
      truncated++;
    }
    parts.push(ids);
    failures.push(failure);
    details.push(detail);
    total += ids.length;
  }
  const flat = new Int32Array(total);
  const offsets = new Int32Array(texts.length + 1);
  let at = 0;
  parts.forEach((ids, i) => {
    offsets[i] = at;
    flat.set(ids, at);
    at += ids.length;
  });
  offsets[texts.length] = at;
  return { ids: flat, offsets, truncated, failures, failureDetails: details };
}
