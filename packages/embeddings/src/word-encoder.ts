import type { TextTokenizer } from './text-tokenizer.js';

// Tokenizer stages that act on each character or each whitespace-separated word alone, so a text's
// ids are its words' ids one after the other. BertNormalizer: clean_text, CJK spacing, lowercasing
// (whose one context rule, Greek final sigma, stops at a space) and NFD accent stripping are all
// per character; the pre-tokenizers split at whitespace before anything else.
const WORD_LOCAL_NORMALIZERS = new Set(['BertNormalizer']);
const WORD_LOCAL_PRE_TOKENIZERS = new Set(['BertPreTokenizer', 'Whitespace', 'WhitespaceSplit']);

// The separators we split at: characters every stage above turns into, or treats as, whitespace.
// Not all of JavaScript's \s: BertNormalizer deletes \v and \f (control characters) and so joins the
// words around them.
const WORD = /[^ \t\n\r]+/g;

/** Distinct words remembered before the memory starts afresh (a few tens of MB at most). */
const DEFAULT_MAX_WORDS = 200_000;

interface TokenizerJson {
  normalizer?: { type?: unknown } | null;
  pre_tokenizer?: { type?: unknown } | null;
  added_tokens?: readonly { content?: unknown }[];
}

/**
 * Encodes texts word by word and remembers each word's ids: most words of a corpus recur, and the
 * JavaScript tokenizer costs microseconds per call. Gives exactly `tokenizer.encode(text).ids`,
 * which the tokenizer's own pipeline guarantees only when its normalizer and pre-tokenizer are
 * word-local, so {@link WordEncoder.for} returns one only for such tokenizers (BERT's WordPiece
 * family, like all-MiniLM-L6-v2).
 */
export class WordEncoder {
  readonly #tokenizer: TextTokenizer;
  readonly #prefix: readonly number[];
  readonly #suffix: readonly number[];
  readonly #maxWords: number;
  readonly #words = new Map<string, readonly number[]>();

  private constructor(tokenizer: TextTokenizer, prefix: number[], suffix: number[], maxWords: number) {
    this.#tokenizer = tokenizer;
    this.#prefix = prefix;
    this.#suffix = suffix;
    this.#maxWords = maxWords;
  }

  /**
   * A word encoder for `tokenizer` (loaded from `tokenizerJson`), or undefined when its stages are
   * not word-local, an added token holds whitespace, or its special tokens do not simply wrap the
   * text's ids.
   */
  static for(
    tokenizer: TextTokenizer,
    tokenizerJson: object,
    maxWords = DEFAULT_MAX_WORDS,
  ): WordEncoder | undefined {
    const json = tokenizerJson as TokenizerJson;
    const normalizer = json.normalizer?.type;
    if (normalizer !== undefined && !WORD_LOCAL_NORMALIZERS.has(normalizer as string)) return undefined;
    if (!WORD_LOCAL_PRE_TOKENIZERS.has(json.pre_tokenizer?.type as string)) return undefined;
    const addedTokens = json.added_tokens ?? [];
    if (addedTokens.some((t) => typeof t.content !== 'string' || /[ \t\n\r]/.test(t.content)))
      return undefined;
    const probe = 'probe';
    const inner = tokenizer.encode(probe, { add_special_tokens: false }).ids;
    const whole = tokenizer.encode(probe).ids;
    const at = indexOfRun(whole, inner);
    if (inner.length === 0 || at < 0) return undefined;
    const encoder = new WordEncoder(tokenizer, whole.slice(0, at), whole.slice(at + inner.length), maxWords);
    // The wrapping must not depend on the text: check it on one more.
    const check = 'Two words.';
    return sameIds(encoder.encode(check, Infinity), tokenizer.encode(check).ids) ? encoder : undefined;
  }

  /**
   * `tokenizer.encode(text).ids`, except that it stops adding words once the ids number more than
   * `limit` (the caller truncates them to `limit` anyway, so long documents are not tokenised whole).
   */
  encode(text: string, limit: number): number[] {
    const ids = [...this.#prefix];
    const budget = limit - this.#suffix.length;
    WORD.lastIndex = 0;
    for (let match = WORD.exec(text); match !== null && ids.length <= budget; match = WORD.exec(text)) {
      for (const id of this.#wordIds(match[0])) ids.push(id);
    }
    for (const id of this.#suffix) ids.push(id);
    return ids;
  }

  #wordIds(word: string): readonly number[] {
    let ids = this.#words.get(word);
    if (ids === undefined) {
      ids = this.#tokenizer.encode(word, { add_special_tokens: false }).ids;
      if (this.#words.size >= this.#maxWords) this.#words.clear();
      this.#words.set(word, ids);
    }
    return ids;
  }
}

function indexOfRun(haystack: readonly number[], run: readonly number[]): number {
  for (let i = 0; i + run.length <= haystack.length; i++) {
    if (run.every((id, j) => haystack[i + j] === id)) return i;
  }
  return -1;
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}
