// MessageBuffer: the chat's recent-message cache, long-poll waiters and live subscribers (Tornado's chatdemo).

/**
 * @typedef {object} ChatMessage
 * @property {string} id    unique id (a UUID), also the cursor clients send back
 * @property {string} from  author's name
 * @property {string} body  text as typed (clients render it as text, never as HTML)
 * @property {number} time  epoch milliseconds when it was posted
 * @property {string} via   instance that accepted it (shows scale-out at work)
 */

/**
 * Holds the last `cacheSize` messages. Long polls wait with {@link MessageBuffer#waitForMessages}
 * and are resolved as soon as a message arrives; WebSocket handlers subscribe with
 * {@link MessageBuffer#subscribe}. A cursor is the id of the last message a client has seen.
 */
export class MessageBuffer {
  /** @param {{ cacheSize?: number }} [options] */
  constructor(options = {}) {
    const cacheSize = options.cacheSize ?? 200;
    if (!Number.isInteger(cacheSize) || cacheSize < 1) {
      throw new RangeError(`cacheSize must be an integer >= 1, got ${cacheSize}`);
    }
    /** @type {number} */
    this.cacheSize = cacheSize;
    /** @type {ChatMessage[]} */
    this.cache = [];
    /** @type {Set<(messages: ChatMessage[]) => void>} */
    this.waiters = new Set();
    /** @type {Set<(message: ChatMessage) => void>} */
    this.subscribers = new Set();
    /** @type {Set<string>} ids in the cache, to drop duplicates (Redis replays history) */
    this.ids = new Set();
  }

  /**
   * Messages after `cursor` (the id of the last message seen). An unknown or empty cursor
   * means "everything cached" (the client is new, or its cursor fell out of the cache).
   * @param {string | null | undefined} cursor
   * @returns {ChatMessage[]}
   */
  getMessagesSince(cursor) {
    if (!cursor) return this.cache.slice();
    for (let i = this.cache.length - 1; i >= 0; i--) {
      if (this.cache[i].id === cursor) return this.cache.slice(i + 1);
    }
    return this.cache.slice();
  }

  /**
   * Resolve with the messages after `cursor`: at once if there are some, else when the next
   * message arrives, or with [] when `signal` aborts (client gone, timeout, shutdown).
   * @param {string | null | undefined} cursor
   * @param {AbortSignal} signal
   * @returns {Promise<ChatMessage[]>}
   */
  waitForMessages(cursor, signal) {
    const ready = this.getMessagesSince(cursor);
    if (ready.length > 0 || signal.aborted) return Promise.resolve(ready);
    return new Promise((resolve) => {
      const waiter = (/** @type {ChatMessage[]} */ messages) => {
        this.waiters.delete(waiter);
        signal.removeEventListener("abort", onAbort);
        resolve(messages);
      };
      const onAbort = () => waiter([]);
      this.waiters.add(waiter);
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Call `fn` with every new message until the returned function is called.
   * @param {(message: ChatMessage) => void} fn
   * @returns {() => void}
   */
  subscribe(fn) {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }

  /**
   * Add a message (duplicates by id are ignored), wake every waiter and subscriber.
   * @param {ChatMessage} message
   * @returns {boolean} whether it was new
   */
  addMessage(message) {
    if (this.ids.has(message.id)) return false;
    this.cache.push(message);
    this.ids.add(message.id);
    while (this.cache.length > this.cacheSize) {
      const dropped = this.cache.shift();
      if (dropped) this.ids.delete(dropped.id);
    }
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w([message]);
    for (const s of [...this.subscribers]) s(message);
    return true;
  }

  /** Wake every waiter with no messages (used on shutdown so long polls end at once). */
  releaseWaiters() {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w([]);
  }
}
