/** Base class of every error probe-rows raises; `code` is stable across releases. */
export class ProbeRowsError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad input or options: the user can fix it (the CLI exits with 2). */
export class ProbeRowsInputError extends ProbeRowsError {
  constructor(message: string, options?: ErrorOptions) {
    super('PREPKIT_PROBE_ROWS_BAD_INPUT', message, options);
  }
}
