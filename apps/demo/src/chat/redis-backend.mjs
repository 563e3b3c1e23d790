// RedisChatBackend: chat messages shared by every process and machine through Redis pub/sub.

import { Redis } from "ioredis";

/** @typedef {import("./message-buffer.mjs").ChatMessage} ChatMessage */

/**
 * Each process keeps its own {@link MessageBuffer} (long polls and WebSockets are served from
 * memory) and feeds it from one Redis subscription: `publish` sends the message to the channel
 * (and appends it to a capped history list in the same MULTI), and every subscriber — this
 * process included — adds it to its buffer. A process that starts later loads the history, so
 * cursors (message ids) mean the same thing on every instance.
 */
export class RedisChatBackend {
  /**
   * @param {{
   *   url: string,
   *   buffer: import("./message-buffer.mjs").MessageBuffer,
   *   channel?: string,
   *   logger: { info(msg: string): void, warn(obj: unknown, msg?: string): void },
   *   connectTimeoutMs?: number,
   * }} options
   */
  constructor(options) {
    if (typeof options.url !== "string" || !/^rediss?:\/\//.test(options.url)) {
      throw new TypeError(`redis URL must start with redis:// or rediss://, got ${options.url}`);
    }
    this.url = options.url;
    this.buffer = options.buffer;
    this.channel = options.channel ?? "t-demo:chat";
    this.historyKey = `${this.channel}:history`;
    this.logger = options.logger;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    /** @type {Error | null} the last error a client reported (the cause of a failed start) */
    this.lastError = null;
    /** True once start() succeeded: from then on, client errors are logged as they come. */
    this.started = false;
    /** @type {"redis"} */
    this.kind = "redis";
    /** @type {Redis | null} */
    this.pub = null;
    /** @type {Redis | null} */
    this.sub = null;
  }

  /** Connect both clients, subscribe, then load the history. Rejects if Redis is unreachable. */
  async start() {
    const common = {
      lazyConnect: true,
      connectTimeout: this.connectTimeoutMs,
      maxRetriesPerRequest: 2,
      // Keep reconnecting after a successful start (Redis restarts), but not before it.
      retryStrategy: (/** @type {number} */ times) => Math.min(times * 200, 2000),
    };
    const pub = new Redis(this.url, { ...common, connectionName: "t-demo-pub" });
    const sub = new Redis(this.url, { ...common, connectionName: "t-demo-sub" });
    this.pub = pub;
    this.sub = sub;
    for (const client of [pub, sub]) {
      client.on("error", (err) => {
        this.lastError = err;
        // Before the start succeeded, start() reports the cause once; after it, each error.
        if (this.started) this.logger.warn(err, `redis ${this.url}: ${err.message}`);
      });
    }
    /** @type {ChatMessage[] | null} live messages that arrive while the history loads */
    let early = [];
    sub.on("message", (channel, raw) => {
      if (channel !== this.channel) return;
      const message = parseMessage(raw);
      if (message === null) return;
      if (early !== null) early.push(message);
      else this.buffer.addMessage(message);
    });
    try {
      await withTimeout(Promise.all([pub.connect(), sub.connect()]), this.connectTimeoutMs);
      await sub.subscribe(this.channel);
      const history = await pub.lrange(this.historyKey, -this.buffer.cacheSize, -1);
      for (const raw of history) {
        const message = parseMessage(raw);
        if (message !== null) this.buffer.addMessage(message);
      }
    } catch (err) {
      await this.close();
      throw new Error(`cannot use Redis at ${this.url}: ${redisFailure(err, this.lastError)}`, {
        cause: err,
      });
    }
    for (const message of early) this.buffer.addMessage(message);
    early = null;
    this.started = true;
    this.logger.info(`chat shared through Redis ${this.url} (channel ${this.channel})`);
  }

  /**
   * Append to the history (capped at the buffer size) and publish, atomically.
   * @param {ChatMessage} message
   */
  async publish(message) {
    if (this.pub === null) throw new Error("RedisChatBackend.publish before start()");
    const raw = JSON.stringify(message);
    const results = await this.pub
      .multi()
      .rpush(this.historyKey, raw)
      .ltrim(this.historyKey, -this.buffer.cacheSize, -1)
      .publish(this.channel, raw)
      .exec();
    const failed = results?.find(([err]) => err !== null);
    if (failed) throw failed[0];
  }

  /** Quit both connections (idempotent). */
  async close() {
    const clients = [this.pub, this.sub].filter((c) => c !== null);
    this.pub = null;
    this.sub = null;
    await Promise.allSettled(
      clients.map(async (c) => {
        try {
          await withTimeout(c.quit(), 1000);
        } catch {
          c.disconnect();
        }
      }),
    );
  }
}

/**
 * @param {string} raw
 * @returns {ChatMessage | null}
 */
function parseMessage(raw) {
  try {
    const m = JSON.parse(raw);
    if (typeof m?.id === "string" && typeof m.body === "string" && typeof m.from === "string") {
      return m;
    }
  } catch {
    // not ours: ignore
  }
  return null;
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @returns {Promise<T>}
 */
/**
 * Why Redis could not be used, in words a person can act on: the socket error behind ioredis's
 * "Connection is closed." (ECONNREFUSED, ENOTFOUND, …) with a hint.
 * @param {unknown} err what start() caught
 * @param {Error | null} last the last error a client emitted
 */
function redisFailure(err, last) {
  const cause = /** @type {NodeJS.ErrnoException | null} */ (last ?? /** @type {Error} */ (err));
  const code = cause?.code;
  if (code === "ECONNREFUSED") return `${cause?.message} (is redis-server running there?)`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return `${cause?.message} (the host name does not resolve)`;
  }
  return cause?.message ?? String(err);
}

function withTimeout(promise, ms) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
