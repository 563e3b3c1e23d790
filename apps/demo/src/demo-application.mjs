// DemoApplication: @t/web's Application plus request metrics and tracking of in-flight responses.

import { Application } from "@t/web";

/**
 * Counts every finished request into the metrics (route = the handler class's `metricsRoute`,
 * method = one of seven names or `other`, so label cardinality stays bounded whatever paths and
 * methods clients send), keeps the access log (method and URI clipped by the handlers'
 * `requestSummary`), and knows which responses are still being written — so a graceful
 * shutdown can close idle keep-alive connections at once instead of waiting for their idle
 * timeout.
 */
export class DemoApplication extends Application {
  /**
   * @param {import("@t/web").RouteSpec[]} routes
   * @param {import("@t/web").ApplicationSettings & { accessLog?: boolean }} settings
   */
  constructor(routes, settings) {
    super(routes, settings);
    /** @type {Set<import("@t/httpserver").HTTP1Connection>} */
    this.inflight = new Set();
  }

  /**
   * @param {unknown} serverConn
   * @param {import("@t/httpserver").HTTP1Connection} requestConn
   */
  startRequest(serverConn, requestConn) {
    const delegate = super.startRequest(serverConn, requestConn);
    this.inflight.add(requestConn);
    const onConnectionClose = delegate.onConnectionClose.bind(delegate);
    delegate.onConnectionClose = () => {
      this.inflight.delete(requestConn);
      onConnectionClose();
    };
    return delegate;
  }

  /** @param {import("@t/web").RequestHandler} handler */
  logRequest(handler) {
    const conn = handler.request.connection;
    if (conn) this.inflight.delete(/** @type {any} */ (conn));
    const cls = /** @type {{ metricsRoute?: string }} */ (handler.constructor);
    const demo = /** @type {import("./handlers/base.mjs").DemoContext} */ (
      this.settings.custom?.demo
    );
    demo.metrics.observeRequest(
      handler.request.method,
      cls.metricsRoute ?? "other",
      handler.getStatus(),
      handler.request.requestTime(),
    );
    if (this.settings.custom?.accessLog !== false) super.logRequest(handler);
  }

  /** Responses started and not yet finished (WebSocket upgrades count until their 101). */
  inflightCount() {
    for (const conn of this.inflight) if (conn.finished) this.inflight.delete(conn);
    return this.inflight.size;
  }
}
