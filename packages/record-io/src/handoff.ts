interface Waiting<T> {
  resolve(value: T): void;
  reject(reason: unknown): void;
}

/**
 * A one-slot rendezvous between a producer and a pulling consumer: `put` resolves when the
 * consumer has taken the value, so the producer is never more than one value ahead (back-pressure
 * without a queue). `end` makes the next `take` return undefined; `fail` rejects both sides.
 */
export class Handoff<T> {
  /** Resolves (never rejects) with the reason once `fail` is called. */
  readonly failed: Promise<unknown>;
  #slot: { value: T; waiting: Waiting<void> } | undefined;
  #taker: Waiting<T | undefined> | undefined;
  #ended = false;
  #failure: { reason: unknown } | undefined;
  #onFailed!: (reason: unknown) => void;

  constructor() {
    this.failed = new Promise((resolve) => {
      this.#onFailed = resolve;
    });
  }

  put(value: T): Promise<void> {
    // The reason passes through unchanged: an AbortSignal's reason may be any value.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if (this.#failure !== undefined) return Promise.reject(this.#failure.reason);
    if (this.#ended) return Promise.reject(new Error('Handoff.put after end()'));
    if (this.#slot !== undefined) return Promise.reject(new Error('Handoff.put while a value is waiting'));
    const taker = this.#taker;
    if (taker !== undefined) {
      this.#taker = undefined;
      taker.resolve(value);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.#slot = { value, waiting: { resolve, reject } };
    });
  }

  /** The next value, or undefined after `end()`. */
  take(): Promise<T | undefined> {
    // The reason passes through unchanged: an AbortSignal's reason may be any value.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    if (this.#failure !== undefined) return Promise.reject(this.#failure.reason);
    const slot = this.#slot;
    if (slot !== undefined) {
      this.#slot = undefined;
      slot.waiting.resolve();
      return Promise.resolve(slot.value);
    }
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      this.#taker = { resolve, reject };
    });
  }

  end(): void {
    this.#ended = true;
    const taker = this.#taker;
    this.#taker = undefined;
    taker?.resolve(undefined);
  }

  fail(reason: unknown): void {
    if (this.#failure !== undefined) return;
    this.#failure = { reason };
    this.#slot?.waiting.reject(reason);
    this.#taker?.reject(reason);
    this.#slot = undefined;
    this.#taker = undefined;
    this.#onFailed(reason);
  }
}
