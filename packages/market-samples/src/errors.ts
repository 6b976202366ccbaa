import { PrepkitError } from '@prepkit/bench-harness/errors';

/** A raw file, CSV, samples file or scaler whose content cannot be used, or an output in the way (exit code 2). */
export class MarketSamplesInputError extends PrepkitError {
  constructor(message: string, options?: ErrorOptions) {
    super('PREPKIT_MARKET_SAMPLES_BAD_INPUT', 'input', message, options);
  }
}

/**
 * An option, configuration key or flag with a value that cannot work, or a configuration file that cannot be
 * read. `where` names it as the user gave it (`options.window`, `my.yaml: window`, `--window`).
 */
export class MarketSamplesConfigError extends PrepkitError {
  readonly where: string;

  constructor(where: string, detail: string, options?: ErrorOptions) {
    super('PREPKIT_MARKET_SAMPLES_BAD_CONFIG', 'config', `${where}: ${detail}`, options);
    this.where = where;
  }
}
