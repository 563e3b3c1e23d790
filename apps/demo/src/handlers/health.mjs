// /healthz (liveness and who-am-I for load balancers) and /metrics (Prometheus exposition).

import { BaseHandler } from "./base.mjs";

/**
 * GET /healthz — 200 `{ status: "ok", … }`, or 503 `{ status: "draining" }` once SIGTERM was
 * received. The body tells which process answered and what client address it saw (behind
 * nginx with `--xheaders`, the browser's, from X-Real-IP).
 */
export class HealthHandler extends BaseHandler {
  static metricsRoute = "healthz";
  /** Errors answer as JSON `{ error: { status, reason } }` (a script reads them). */
  static errorFormat = "json";

  get() {
    const { demo } = this;
    const draining = demo.shutdown.signal.aborted;
    if (draining) this.setStatus(503);
    this.setHeader("Cache-Control", "no-store");
    this.write({
      status: draining ? "draining" : "ok",
      instance: demo.instance,
      pid: process.pid,
      worker: demo.worker,
      chatBackend: demo.backend.kind,
      chatWaiters: demo.buffer.waiters.size,
      remoteIp: this.request.remoteIp,
      protocol: this.request.protocol,
      uptimeSeconds: Math.round((Date.now() - demo.startedAt) / 1000),
    });
  }
}

/** GET /metrics — every metric of this process in Prometheus text format. */
/**
 * GET /livez — 200 `ok` while the process serves, draining or not: a liveness probe must not
 * fail during a graceful shutdown (that would restart a pod that is about to exit anyway).
 */
export class LiveHandler extends BaseHandler {
  static metricsRoute = "livez";

  get() {
    this.setHeader("Cache-Control", "no-store");
    this.setHeader("Content-Type", "text/plain; charset=UTF-8");
    this.write("ok");
  }
}

export class MetricsHandler extends BaseHandler {
  static metricsRoute = "metrics";
  /** Errors answer in plain text, like the metrics (a scraper reads them). */
  static errorFormat = "text";

  async get() {
    const { contentType, text } = await this.demo.metrics.render();
    this.setHeader("Content-Type", contentType);
    this.setHeader("Cache-Control", "no-store");
    this.write(text);
  }

  /** No ETag: a scrape must always get the body. */
  computeEtag() {
    return null;
  }
}
