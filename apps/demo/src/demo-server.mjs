// DemoServer: an HTTPServer whose shutdown ends long polls and WebSockets and closes idle keep-alive connections.

import { HTTPServer } from "@t/httpserver";

/** How often the drain checks whether in-flight responses are done (ms). */
const DRAIN_POLL_MS = 20;

/**
 * `shutdown()` (which `installSignalHandlers` calls on SIGTERM) first does what only the app
 * knows how to do — wake the long polls (they answer `{ messages: [] }`, the browser polls
 * again elsewhere), close WebSockets with 1001 "going away", turn /healthz to 503 — then waits
 * for in-flight responses and closes the keep-alive connections that are left idle. The base
 * class stops accepting at once, closes whatever is still open at the deadline and runs the
 * shutdown hooks (Redis quit, metrics stop).
 */
export class DemoServer extends HTTPServer {
  /**
   * @param {import("./demo-application.mjs").DemoApplication} app
   * @param {import("./handlers/base.mjs").DemoContext} context
   * @param {import("@t/httpserver").HTTPServerOptions} options
   */
  constructor(app, context, options) {
    super(app, options);
    this.app = app;
    this.context = context;
    /** @type {Promise<void> | null} */
    this.draining = null;
  }

  /** @param {{ deadlineMs?: number }} [options] */
  shutdown(options = {}) {
    if (this.draining === null) this.draining = this.drain(options);
    return this.draining;
  }

  /** @param {{ deadlineMs?: number }} options */
  async drain(options) {
    const deadlineMs = options.deadlineMs ?? 10_000;
    const done = super.shutdown(options);
    const { context } = this;
    context.shutdown.abort();
    for (const socket of [...context.sockets]) {
      try {
        socket.close(1001, "server shutting down");
      } catch {
        // already closing
      }
    }
    const until = this.loop.time() + deadlineMs;
    while (this.app.inflightCount() > 0 && this.loop.time() < until) {
      await new Promise((resolve) => this.loop.callLater(DRAIN_POLL_MS, resolve));
    }
    await this.closeAllConnections();
    await done;
  }
}
