/** Base class of every error the embeddings package raises; `code` is stable across releases. */
export class EmbeddingsError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad options or input the user can fix (the CLI exits with 2). */
export class EmbeddingsInputError extends EmbeddingsError {
  constructor(message: string, options?: ErrorOptions) {
    super('PREPKIT_EMBEDDINGS_BAD_INPUT', message, options);
  }
}

/** A model directory that cannot be used: missing files, unexpected inputs or outputs. */
export class ModelError extends EmbeddingsError {
  readonly modelDir: string;

  constructor(modelDir: string, message: string, options?: ErrorOptions) {
    super('PREPKIT_EMBEDDINGS_BAD_MODEL', `${modelDir}: ${message}`, options);
    this.modelDir = modelDir;
  }
}
