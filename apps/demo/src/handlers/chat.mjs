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
  /** Errors answer as JSON `{ error: { status, reason } }` (a script reads them). */
  static errorFormat = "json";

  async post() {
    const message = makeMessage(this.demo, this.currentUser, this.getArgument("body"));
    await this.demo.backend.publish(message);
    this.write({ message });
  }
}

/**
 * GET /chat/updates?cursor=<id> — long poll: answers at once with the messages after `cursor`,
 * or waits until one arrives. Ends with `{ messages: [] }` after `pollTimeoutMs`, when the
 * server drains, or silently when the client goes away. When `limits.maxLongPolls` polls are
 * already waiting, one that would wait is answered 503 with `Retry-After: 1` (the page polls
 * again after a back-off).
 */
export class ChatUpdatesHandler extends BaseHandler {
  static metricsRoute = "chat_updates";
  /** Errors answer as JSON `{ error: { status, reason } }` (a script reads them). */
  static errorFormat = "json";

  async get() {
    const cursor = this.getArgument("cursor", "");
    const { demo } = this;
    this.setHeader("Cache-Control", "no-store");
    const ready = demo.buffer.getMessagesSince(cursor);
    if (ready.length > 0) {
      this.write({ messages: ready });
      return;
    }
    if (demo.buffer.waiters.size >= demo.limits.maxLongPolls) {
      this.setStatus(503);
      this.setHeader("Retry-After", "1");
      this.write({ error: `${demo.limits.maxLongPolls} long polls are already waiting` });
      return;
    }
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

/** Close code for a subscriber too slow to read: 1013 "try again later" (it reconnects with its cursor). */
export const CLOSE_TOO_SLOW = 1013;

/**
 * GET /chat/socket?cursor=<id> (WebSocket) — sends `{ type: "messages", messages }` with the
 * backlog after `cursor` and then every new message; a text frame `{ "body": "…" }` posts.
 * Same-origin only (the handler's default `checkOrigin`), so a foreign page cannot post.
 *
 * A subscriber that does not read as fast as the room talks is closed: before each message
 * the bytes still queued on its stream are checked against `limits.chatMaxBufferedBytes`
 * (so at most that plus one message waits per socket), and a write the stream refuses
 * (the server's `maxWriteBufferSize`) closes the socket too.
 */
export class ChatSocketHandler extends BaseSocketHandler {
  static metricsRoute = "chat_socket";

  open() {
    const { demo } = this;
    demo.sockets.add(this);
    /** Made once: a write that failed while the socket is still open means it must go. */
    this.onSendError = () => {
      if (this.wsConnection !== null && !this.wsConnection.closing) this.closeTooSlow();
    };
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
    const conn = this.wsConnection;
    if (conn === null || conn.closing) return;
    // The stream's write queue is what the peer has not taken yet (beyond the kernel's buffers).
    if (conn.stream.writeBufferSize > this.demo.limits.chatMaxBufferedBytes) {
      this.closeTooSlow();
      return;
    }
    this.writeMessage({ type: "messages", messages }).catch(this.onSendError);
  }

  /**
   * Stop sending to this socket: the close frame queues behind what it has not read, and the
   * close timeout ends the connection if the peer never reads it.
   */
  closeTooSlow() {
    this.unsubscribe?.();
    this.close(CLOSE_TOO_SLOW, "too slow to read the chat");
  }
}
