import { PrepkitError } from '@prepkit/bench-harness/errors';

/** Input the user can fix: a missing table or column, an empty query, an existing model in the way. */
export class EmbeddingsInputError extends PrepkitError {
  constructor(message: string, options?: ErrorOptions) {
    super('PREPKIT_EMBEDDINGS_BAD_INPUT', 'input', message, options);
  }
}

/** A model directory that cannot be used: missing files, unexpected inputs or outputs. */
export class ModelError extends PrepkitError {
  readonly modelDir: string;

  constructor(modelDir: string, message: string, options?: ErrorOptions) {
    super('PREPKIT_EMBEDDINGS_BAD_MODEL', 'input', `${modelDir}: ${message}`, options);
    this.modelDir = modelDir;
  }
}

/** This machine cannot do what was asked: `--device cuda` without a usable CUDA (kind environment). */
export class EmbeddingsEnvironmentError extends PrepkitError {
  constructor(message: string, options?: ErrorOptions) {
    super('PREPKIT_EMBEDDINGS_ENVIRONMENT', 'environment', message, options);
  }
}
