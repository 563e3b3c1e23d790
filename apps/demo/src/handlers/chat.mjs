// The chat room: the page, posting, long-poll updates and the WebSocket variant (Tornado's chatdemo).

import { randomUUID } from "node:crypto";
import { IOLoop } from "@t/ioloop";
import { HTTPError } from "@t/web";
import { BaseHandler, BaseSocketHandler } from "./base.mjs";

/** Longest chat message accepted, in characters. */
export const MAX_MESSAGE_LENGTH = 2000;

/**
 * Build a message from what a client sent.
 * @param {import("./base.mjs").DemoContext} demo
 * @param {unknown} user
 * @param {string} body
 * @returns {import("../chat/message-buffer.mjs").ChatMessage}
 */
function makeMessage(demo, user, body) {
  const text = body.trim();
  if (text.length === 0) throw new HTTPError(400, "empty chat message");
  if (text.length > MAX_MESSAGE_LENGTH) {
    throw new HTTPError(400, `chat message longer than ${MAX_MESSAGE_LENGTH} characters`);
  }
  return {
    id: randomUUID(),
    from: typeof user === "string" ? user : "guest",
    body: text,
    time: Date.now(),
    via: demo.instance,
  };
}

/** GET /chat[?transport=websocket] — the room, with the cached messages rendered in. */
export class ChatPageHandler extends BaseHandler {
  static metricsRoute = "chat_page";

  async get() {
    const transport =
      this.getArgument("transport", "longpoll") === "websocket" ? "websocket" : "longpoll";
    const messages = this.demo.buffer.getMessagesSince(null);
    await this.render("chat.eta", {
      title: "Chat",
      transport,
      messages,
      cursor: messages.length > 0 ? messages[messages.length - 1].id : "",
      xsrfToken: this.xsrfToken,
    });
  }
}

/** POST /chat/new (body=…, _xsrf) — publish a message; answers it as JSON. */
export class ChatNewHandler extends BaseHandler {
  static metricsRoute = "chat_new";

  async post() {
    const message = makeMessage(this.demo, this.currentUser, this.getArgument("body"));
    await this.demo.backend.publish(message);
    this.write({ message });
  }
}

/**
 * GET /chat/updates?cursor=<id> — long poll: answers at once with the messages after `cursor`,
 * or waits until one arrives. Ends with `{ messages: [] }` after `pollTimeoutMs`, when the
 * server drains, or silently when the client goes away.
 */
export class ChatUpdatesHandler extends BaseHandler {
  static metricsRoute = "chat_updates";

  async get() {
    const cursor = this.getArgument("cursor", "");
    const { demo } = this;
    const abort = new AbortController();
    this.abort = abort;
    const stop = () => abort.abort();
    const loop = IOLoop.current();
    const timer = loop.callLater(demo.pollTimeoutMs, stop);
    if (demo.shutdown.signal.aborted) stop();
    demo.shutdown.signal.addEventListener("abort", stop, { once: true });
    let messages;
    try {
      messages = await demo.buffer.waitForMessages(cursor, abort.signal);
    } finally {
      loop.removeTimeout(timer);
      demo.shutdown.signal.removeEventListener("abort", stop);
    }
    if (this.connectionClosed) return;
    this.setHeader("Cache-Control", "no-store");
    this.write({ messages });
  }

  /** The browser left: stop waiting (Tornado's `on_connection_close` → cancel the wait). */
  onConnectionClose() {
    this.abort?.abort();
  }

  /** Updates are never cached nor ETagged. */
  computeEtag() {
    return null;
  }
}

/**
 * GET /chat/socket?cursor=<id> (WebSocket) — sends `{ type: "messages", messages }` with the
 * backlog after `cursor` and then every new message; a text frame `{ "body": "…" }` posts.
 * Same-origin only (the handler's default `checkOrigin`), so a foreign page cannot post.
 */
export class ChatSocketHandler extends BaseSocketHandler {
  static metricsRoute = "chat_socket";

  open() {
    const { demo } = this;
    demo.sockets.add(this);
    const backlog = demo.buffer.getMessagesSince(this.getArgument("cursor", ""));
    this.send(backlog);
    this.unsubscribe = demo.buffer.subscribe((message) => this.send([message]));
  }

  /** @param {string | Buffer} data */
  async onMessage(data) {
    let body;
    try {
      body = JSON.parse(String(data)).body;
    } catch {
      body = undefined;
    }
    if (typeof body !== "string") {
      this.close(1003, 'expected JSON {"body": string}');
      return;
    }
    let message;
    try {
      message = makeMessage(this.demo, this.currentUser, body);
    } catch (err) {
      this.writeMessage({ type: "error", error: /** @type {Error} */ (err).message }).catch(
        () => {},
      );
      return;
    }
    await this.demo.backend.publish(message);
  }

  onClose() {
    this.unsubscribe?.();
    this.demo.sockets.delete(this);
  }

  /** @param {import("../chat/message-buffer.mjs").ChatMessage[]} messages */
  send(messages) {
    // A client too slow to read is closed by the stream's write buffer limit; a write to a
    // closing socket rejects, which is expected here.
    this.writeMessage({ type: "messages", messages }).catch(() => {});
  }
}
