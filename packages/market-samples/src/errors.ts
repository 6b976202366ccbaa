/** Base class of every error market-samples raises; `code` is stable across releases. */
export class MarketSamplesError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad input, configuration or options: the user can fix it (the CLI exits with 2). */
export class MarketSamplesInputError extends MarketSamplesError {
  constructor(message: string, options?: ErrorOptions) {
    super('PREPKIT_MARKET_SAMPLES_BAD_INPUT', message, options);
  }
}

/** An invalid configuration file or override; names the key. */
export class MarketSamplesConfigError extends MarketSamplesError {
  readonly key: string;

  constructor(key: string, message: string, options?: ErrorOptions) {
    super('PREPKIT_MARKET_SAMPLES_BAD_CONFIG', `config ${key}: ${message}`, options);
    this.key = key;
  }
}
