/** Pooling of token vectors into one text vector. */
export type Pooling = 'mean' | 'cls';

/** The optional `prepkit.json` of a model directory. */
export interface ModelConfig {
  /** Default: `mean` (sentence-transformers models such as all-MiniLM-L6-v2). */
  pooling?: Pooling;
  /** Scale each vector to unit length. Default: true. */
  normalize?: boolean;
  /** Tokens per text including [CLS] and [SEP]; longer texts are truncated. Default: 256, capped by the model. */
  max_length?: number;
}
