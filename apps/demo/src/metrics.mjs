// Metrics: a prom-client registry with request, latency, connection and event-loop-lag metrics.

import { PeriodicCallback } from "@t/ioloop";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { MetricsPeers } from "./metrics-peers.mjs";

/** Latency buckets in seconds: 0.5 ms … 10 s. */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];
/** Loop-lag buckets in seconds: 1 ms … 5 s. */
const LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

/** Request methods counted under their own name; every other method is counted as `other`. */
export const METHOD_LABELS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
/** Status labels "100" … "599", made once; anything else is counted as `other`. */
const STATUS_LABELS = Array.from({ length: 600 }, (_, i) => (i >= 100 ? String(i) : "other"));

/**
 * The `method` label of a request: the method itself when it is one of {@link METHOD_LABELS},
 * else `other` (the method comes from the client: any token would be a new series).
 * @param {string} method
 */
export function methodLabel(method) {
  return METHOD_LABELS.has(method) ? method : "other";
}

/**
 * The `status` label: "100" … "599", else `other`.
 * @param {number} status
 */
export function statusLabel(status) {
  return Number.isInteger(status) && status >= 100 && status < 600
    ? STATUS_LABELS[status]
    : "other";
}

/**
 * The demo's Prometheus metrics, all in one registry (served by `/metrics`):
 * - `http_requests_total{method,route,status}` — finished requests;
 * - `http_request_duration_seconds{method,route}` — time from the request's head to its finish;
 * - `http_open_connections` — TCP connections open now (read from the server at scrape time);
 * - `t_ioloop_lag_seconds` (gauge, last sample) and `t_ioloop_lag_seconds_histogram` — how late a
 *   `PeriodicCallback` of the IOLoop fires: the time the loop was too busy to run a due timer;
 * - prom-client's default process and Node.js metrics (CPU, memory, fds, GC, libuv lag).
 * One process: every series carries a `worker` label (0). Pre-forked (`peersDir` set): a scrape
 * on any worker returns the sum over all workers (see metrics-peers.mjs), without that label,
 * plus `demo_metrics_workers_scraped`. No label takes a value
 * the client chooses: `method` is one of seven names or `other`, `route` a route's name (never
 * the path), `status` a code the server chose, so the number of series stays bounded.
 */
export class DemoMetrics {
  /**
   * @param {{
   *   loop: import("@t/ioloop").IOLoop,
   *   worker: string,
   *   peersDir?: string | null,
   *   lagIntervalMs?: number,
   *   openConnections?: () => number,
   * }} options
   */
  constructor(options) {
    const { loop, worker } = options;
    this.loop = loop;
    this.registry = new Registry();
    const peersDir = options.peersDir ?? null;
    if (peersDir === null) this.registry.setDefaultLabels({ worker });
    /** @type {MetricsPeers | null} */
    this.peers =
      peersDir === null
        ? null
        : new MetricsPeers({
            dir: peersDir,
            worker: Number(worker),
            registry: this.registry,
            loop,
          });
    collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    this.requests = new Counter({
      name: "http_requests_total",
      help: "HTTP requests answered, by method, route and status code",
      labelNames: ["method", "route", "status"],
      registers,
    });
    this.latency = new Histogram({
      name: "http_request_duration_seconds",
      help: "Time from the end of the request head to the end of the response",
      labelNames: ["method", "route"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    /** @type {() => number} */
    this.openConnectionsFn = options.openConnections ?? (() => 0);
    const self = this;
    this.openConnections = new Gauge({
      name: "http_open_connections",
      help: "TCP connections open on this process's server",
      registers,
      collect() {
        this.set(self.openConnectionsFn());
      },
    });
    this.lagGauge = new Gauge({
      name: "t_ioloop_lag_seconds",
      help: "Latest delay between a PeriodicCallback's due time and when the IOLoop ran it",
      registers,
    });
    this.lagHistogram = new Histogram({
      name: "t_ioloop_lag_seconds_histogram",
      help: "Delays between PeriodicCallback due times and when the IOLoop ran them",
      buckets: LAG_BUCKETS,
      registers,
    });
    this.lagIntervalMs = options.lagIntervalMs ?? 500;
    // The same grid arithmetic as PeriodicCallback: due times start + k × interval, missed
    // ones skipped, so `now - due` is exactly how late this run is.
    let dueMs = 0;
    this.lagProbe = new PeriodicCallback(
      () => {
        const nowMs = loop.time();
        const lateMs = Math.max(0, nowMs - dueMs);
        this.lagGauge.set(lateMs / 1000);
        this.lagHistogram.observe(lateMs / 1000);
        dueMs += (Math.floor((nowMs - dueMs) / this.lagIntervalMs) + 1) * this.lagIntervalMs;
      },
      this.lagIntervalMs,
      0,
      loop,
    );
    this.startLagProbe = () => {
      dueMs = loop.time() + this.lagIntervalMs;
      this.lagProbe.start();
    };
  }

  /**
   * Count one finished request.
   * @param {string} method the request's method as received (mapped by {@link methodLabel})
   * @param {string} route the route's name, not the raw path (bounded label cardinality)
   * @param {number} status
   * @param {number} durationMs
   */
  observeRequest(method, route, status, durationMs) {
    const m = methodLabel(method);
    this.requests.inc({ method: m, route, status: statusLabel(status) });
    this.latency.observe({ method: m, route }, durationMs / 1000);
  }

  /** Start sampling the loop lag and, pre-forked, serving this worker's metrics to its siblings. */
  async start() {
    this.startLagProbe();
    await this.peers?.start();
  }

  /** Stop sampling and serving. */
  async stop() {
    this.lagProbe.stop();
    await this.peers?.stop();
  }

  /** The exposition text and its content type (pre-forked: summed over all workers). */
  async render() {
    if (this.peers !== null) return this.peers.render();
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
