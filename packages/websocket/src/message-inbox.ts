// MessageInbox: messages handed from a connection to code that pulls them (readMessage, for await).

/** One WebSocket message as delivered: a string for text, a Buffer for binary. */
export type WebSocketMessage = string | Buffer;

/** Options of `messages()` on a client connection or a handler. */
export interface MessagesOptions {
  /**
   * Close the connection (code 1000) when the loop ends before the connection did — `break`,
   * `return`, an exception — as Node's `Readable` and the WHATWG `WebSocketStream` do on
   * cancel. `false` leaves it open; messages then wait for the next reader. Default true.
   */
  closeOnReturn?: boolean;
}

/** Checks a {@link MessagesOptions} argument and returns `closeOnReturn`. */
export function checkMessagesOptions(options: unknown, what: string): boolean {
  if (options === undefined) return true;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`${what}: options must be an object ({ closeOnReturn? })`);
  }
  const { closeOnReturn = true } = options as MessagesOptions;
  if (typeof closeOnReturn !== "boolean") {
    throw new TypeError(`${what}: closeOnReturn must be a boolean, got ${typeof closeOnReturn}`);
  }
  return closeOnReturn;
}

/**
 * A queue of one between a connection and its readers. `push` hands a message to the oldest
 * waiting reader, or keeps it and returns a Promise that resolves once a reader took it — the
 * connection does not parse the next message meanwhile (backpressure). After `end`, waiting
 * and later readers get null once the kept message, if any, was read.
 */
export class MessageInbox {
  private kept: WebSocketMessage | null = null;
  private readonly readers: ((m: WebSocketMessage | null) => void)[] = [];
  private taken: (() => void) | null = null;
  private ended = false;
  /** True while an async iteration reads from this inbox. */
  iterating = false;

  /** The connection delivers `message`; the Promise, if any, holds back the next one. */
  push(message: WebSocketMessage): void | Promise<void> {
    const reader = this.readers.shift();
    if (reader !== undefined) {
      reader(message);
      return;
    }
    this.kept = message;
    return new Promise<void>((resolve) => {
      this.taken = resolve;
    });
  }

  /** The connection closed: waiting readers get null; a kept message stays readable. */
  end(): void {
    this.ended = true;
    for (const r of this.readers.splice(0)) r(null);
    // Release the connection waiting on the kept message (it is closed; nothing more comes).
    const taken = this.taken;
    this.taken = null;
    taken?.();
  }

  /** The next message, or null once the connection closed and nothing is kept. */
  read(): Promise<WebSocketMessage | null> {
    const kept = this.kept;
    if (kept !== null) {
      this.kept = null;
      const taken = this.taken;
      this.taken = null;
      taken?.();
      return Promise.resolve(kept);
    }
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => this.readers.push(resolve));
  }

  /**
   * The messages until the connection closes, for `for await`; `onEarlyReturn` runs when the
   * loop ends first (the owner closes the connection there when asked to). One at a time:
   * `what` names the call in the TypeError of a second concurrent iteration.
   */
  async *iterate(
    onEarlyReturn: (() => void) | null,
    what: string,
  ): AsyncGenerator<WebSocketMessage, void, undefined> {
    if (this.iterating) throw new TypeError(`${what}: the messages are already being iterated`);
    this.iterating = true;
    let ended = false;
    try {
      for (;;) {
        const message = await this.read();
        if (message === null) {
          ended = true;
          return;
        }
        yield message;
      }
    } finally {
      this.iterating = false;
      if (!ended) onEarlyReturn?.();
    }
  }
}
