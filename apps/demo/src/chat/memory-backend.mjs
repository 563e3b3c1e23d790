// MemoryChatBackend: chat messages kept in this process only (the zero-setup default).

/** @typedef {import("./message-buffer.mjs").ChatMessage} ChatMessage */

/**
 * Publishing adds the message straight to the local {@link MessageBuffer}. Processes do not
 * see each other's messages: use {@link RedisChatBackend} (`--redis`) for more than one.
 */
export class MemoryChatBackend {
  /** @param {{ buffer: import("./message-buffer.mjs").MessageBuffer }} options */
  constructor(options) {
    this.buffer = options.buffer;
    /** @type {"memory"} */
    this.kind = "memory";
  }

  /** Nothing to connect. */
  async start() {}

  /** @param {ChatMessage} message */
  async publish(message) {
    this.buffer.addMessage(message);
  }

  /** Nothing to release. */
  async close() {}
}
