import { Prng } from '@prepkit/bench-harness';

/** The special tokens of the generated vocabularies, at these ids. */
export const SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'] as const;

const PUNCTUATION = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'];
const CHARACTERS = [...'abcdefghijklmnopqrstuvwxyz0123456789'];

/** Frequent English words: whole tokens in every generated vocabulary, and the bulk of generated text. */
export const COMMON_WORDS: readonly string[] = (
  'the of and to a in is it you that he was for on are with as i his they be at one have this from or had by ' +
  'not word but what some we can out other were all there when up use your how said an each she which do their ' +
  'time if will way about many then them write would like so these her long make thing see him two has look more ' +
  'day could go come did number sound no most people my over know water than call first who may down side been now ' +
  'find any new work part take get place made live where after back little only round man year came show every good ' +
  'me give our under name very through just form sentence great think say help low line differ turn cause much mean ' +
  'before move right boy old too same tell does set three want air well also play small end put home read hand port ' +
  'large spell add even land here must big high such follow act why ask men change went light kind off need house ' +
  'picture try us again animal point mother world near build self earth father head stand own page should country ' +
  'found answer school grow study still learn plant cover food sun four between state keep eye never last let ' +
  'thought city tree cross farm hard start might story saw far sea draw left late run while press close night real ' +
  'life few north open seem together next white children begin got walk example ease paper group always music those ' +
  'both mark often letter until mile river car feet care second book carry took science eat room friend began idea ' +
  'fish mountain stop once base hear horse cut sure watch color face wood main enough plain girl usual young ready ' +
  'above ever red list though feel talk bird soon body dog family direct pose leave song measure door product black ' +
  'short numeral class wind question happen complete ship area half rock order fire south problem piece told knew ' +
  'pass since top whole king space heard best hour better true during hundred five remember step early hold west ' +
  'ground interest reach fast verb sing listen six table travel less morning ten simple several vowel toward war lay ' +
  'against pattern slow center love person money serve appear road map rain rule govern pull cold notice voice unit ' +
  'power town fine certain fly fall lead cry dark machine note wait plan figure star box noun field rest correct able ' +
  'pound done beauty drive stood contain front teach week final gave green oh quick develop ocean warm free minute ' +
  'strong special mind behind clear tail produce fact street inch multiply nothing course stay wheel full force blue ' +
  'object decide surface deep moon island foot system busy test record boat common gold possible plane stead dry ' +
  'wonder laugh thousand ago ran check game shape equate hot miss brought heat snow tire bring yes distant fill east ' +
  'paint language among server database query index vector model token batch embedding search release deploy error ' +
  'message channel user thanks please hello today tomorrow yesterday'
).split(' ');

const ONSETS = [
  'b',
  'c',
  'd',
  'f',
  'g',
  'h',
  'j',
  'k',
  'l',
  'm',
  'n',
  'p',
  'r',
  's',
  't',
  'v',
  'w',
  'z',
  'br',
  'st',
  'tr',
  'pl',
  'gr',
  'ch',
  'sh',
  'th',
];
const NUCLEI = ['a', 'e', 'i', 'o', 'u', 'ai', 'ea', 'ou', 'io'];
const CODAS = ['', 'n', 'r', 's', 't', 'l', 'm', 'nd', 'st', 'ng', 'x'];

/** Every syllable the generator composes rare words from, in a fixed order. */
export const SYLLABLES: readonly string[] = ONSETS.flatMap((o) =>
  NUCLEI.flatMap((n) => CODAS.map((c) => o + n + c)),
);

/**
 * A WordPiece vocabulary of exactly `size` tokens: the special tokens at ids 0–4, punctuation,
 * characters and their `##` continuations (so every word can be spelled), the common words, then
 * syllables as word starts and `##` continuations drawn in a seeded order until the size is reached.
 */
export function buildVocabulary(size: number, seed: string): string[] {
  const tokens: string[] = [
    ...SPECIAL_TOKENS,
    ...PUNCTUATION,
    ...CHARACTERS,
    ...CHARACTERS.map((c) => `##${c}`),
  ];
  const seen = new Set(tokens);
  const add = (token: string): void => {
    if (tokens.length < size && !seen.has(token)) {
      seen.add(token);
      tokens.push(token);
    }
  };
  for (const word of COMMON_WORDS) add(word);
  const prng = new Prng(`vocabulary:${seed}`);
  const pieces = SYLLABLES.flatMap((s) => [s, `##${s}`]);
  // Fisher–Yates with the seeded PRNG: which syllables become tokens depends on the seed only.
  for (let i = pieces.length - 1; i > 0; i--) {
    const j = prng.int(i + 1);
    [pieces[i], pieces[j]] = [pieces[j]!, pieces[i]!];
  }
  for (const piece of pieces) add(piece);
  // Larger vocabularies (30,522 for minilm-l6) continue with two-syllable words.
  for (let i = 0; tokens.length < size; i++) {
    add(`${SYLLABLES[prng.int(SYLLABLES.length)]!}${SYLLABLES[prng.int(SYLLABLES.length)]!}`);
    if (i > size * 20) add(`[unused${tokens.length}]`);
  }
  return tokens;
}

/** The `tokenizer.json` of a BERT-style uncased WordPiece tokenizer over `vocabulary`. */
export function tokenizerJson(vocabulary: readonly string[]): Record<string, unknown> {
  const id = (token: string): number => vocabulary.indexOf(token);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIAL_TOKENS.map((content) => ({
      id: id(content),
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
      ],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: Object.fromEntries(
        ['[CLS]', '[SEP]'].map((t) => [t, { id: t, ids: [id(t)], tokens: [t] }]),
      ),
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(vocabulary.map((token, i) => [token, i])),
    },
  };
}

/** The `tokenizer_config.json` values @huggingface/tokenizers reads next to `tokenizer.json`. */
export function tokenizerConfig(maxLength: number): Record<string, unknown> {
  return {
    do_lower_case: true,
    model_max_length: maxLength,
    cls_token: '[CLS]',
    sep_token: '[SEP]',
    pad_token: '[PAD]',
    unk_token: '[UNK]',
    mask_token: '[MASK]',
    tokenizer_class: 'BertTokenizer',
  };
}
