// `String.prototype.isWellFormed` / `toWellFormed` are in Node 20 (V8 11.3) but in TypeScript's ES2024 lib,
// which this repository does not target yet.
declare global {
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

/**
 * Text as PostgreSQL and every JSONL consumer accept it: lone UTF-16 surrogates (an export may
 * escape half an emoji as `\ud83d`) and NUL characters become U+FFFD. Well-formed text is returned
 * as is, without a copy.
 */
export function cleanText(text: string): string {
  let out = text.isWellFormed() ? text : text.toWellFormed();
  if (out.includes('\u0000')) out = out.replaceAll('\u0000', '\uFFFD');
  return out;
}
