import { Tokenizer } from '@huggingface/tokenizers';

/**
 * What the pipeline uses of a tokenizer. @huggingface/tokenizers' own declarations import their
 * modules without file extensions, which NodeNext resolution cannot follow, so its types arrive
 * unresolved; this interface states the part we rely on.
 */
export interface TextTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[]; tokens: string[] };
  token_to_id(token: string): number | undefined;
}

type TokenizerConstructor = new (tokenizerJson: object, tokenizerConfig: object) => TextTokenizer;

/** `new Tokenizer(tokenizer.json, tokenizer_config.json)` of @huggingface/tokenizers. */
export function createTokenizer(tokenizerJson: object, tokenizerConfig: object): TextTokenizer {
  return new (Tokenizer as unknown as TokenizerConstructor)(tokenizerJson, tokenizerConfig);
}
