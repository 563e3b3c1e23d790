// /metrics across pre-forked workers: each worker serves its registry as JSON on a Unix socket in
// a directory private to this server (made by the parent before forking); a scrape on any worker
// reads its siblings' and answers with prom-client's aggregation (sums), so one scrape covers
// the whole server whichever worker the kernel handed it to.

import { readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { AsyncHTTPClient } from "@t/httpclient";
import { HTTPHeaders, HTTPServer } from "@t/httpserver";
import { bindUnixSocket } from "@t/tcpserver";
import { AggregatorRegistry, Gauge, Registry } from "prom-client";

/** How long a scrape waits for one sibling's metrics before leaving it out. */
export const PEER_TIMEOUT_MS = 2000;
/** Most bytes read from one sibling (its JSON metrics are a few tens of KiB). */
export const MAX_PEER_BYTES = 4 * 1024 * 1024;
const SOCKET_RE = /^worker-(\d+)\.sock$/;

/**
 * One worker's side of the cluster scrape.
 */
export class MetricsPeers {
  /**
   * @param {{
   *   dir: string,
   *   worker: number,
   *   registry: import("prom-client").Registry,
   *   loop: import("@t/ioloop").IOLoop,
   * }} options
   */
  constructor(options) {
    this.dir = options.dir;
    this.worker = options.worker;
    this.registry = options.registry;
    this.loop = options.loop;
    this.path = join(this.dir, `worker-${this.worker}.sock`);
    /** @type {HTTPServer | null} */
    this.server = null;
    /** Reads the siblings (@t/httpclient over their Unix sockets), made on first scrape. */
    /** @type {AsyncHTTPClient | null} */
    this.client = null;
  }

  /** Serve this worker's metrics on its socket (a stale socket of a restarted worker is replaced). */
  async start() {
    await unlink(this.path).catch(() => {});
    const registry = this.registry;
    this.server = new HTTPServer(
      async (req) => {
        const body = JSON.stringify(await registry.getMetricsAsJSON());
        req.connection.writeHeaders(
          { code: 200 },
          new HTTPHeaders({ "Content-Type": "application/json" }),
          body,
        );
        req.connection.finish();
      },
      { loop: this.loop },
    );
    this.server.addSockets([bindUnixSocket(this.path, { mode: 0o600 })]);
  }

  /** Stop serving and remove the socket. */
  async stop() {
    this.client?.close();
    this.client = null;
    const server = this.server;
    this.server = null;
    if (server === null) return;
    // Close the siblings' keep-alive connections too, not only the listening socket.
    await server.shutdown({ deadlineMs: 1000 });
    await unlink(this.path).catch(() => {});
  }

  /**
   * The exposition text of all workers: this one's metrics plus every sibling that answered
   * within {@link PEER_TIMEOUT_MS}, summed by prom-client's aggregator, and
   * `demo_metrics_workers_scraped` (how many workers are in the sum).
   * @returns {Promise<{ contentType: string, text: string }>}
   */
  async render() {
    const names = await readdir(this.dir).catch(() => /** @type {string[]} */ ([]));
    const own = `worker-${this.worker}.sock`;
    const siblings = names.filter((n) => SOCKET_RE.test(n) && n !== own);
    if (this.client === null) {
      this.client = new AsyncHTTPClient({
        defaults: {
          connectTimeoutMs: PEER_TIMEOUT_MS,
          requestTimeoutMs: PEER_TIMEOUT_MS,
          maxBodySize: MAX_PEER_BYTES,
        },
      });
    }
    const client = this.client;
    const results = await Promise.all(
      siblings.map((n) =>
        client
          .fetch("http://localhost/", { unixSocketPath: join(this.dir, n) })
          .then((res) => res.json())
          .catch(() => null),
      ),
    );
    const all = [await this.registry.getMetricsAsJSON()];
    for (const r of results) if (r !== null) all.push(r);
    const aggregated = AggregatorRegistry.aggregate(all);
    const scraped = new Registry();
    new Gauge({
      name: "demo_metrics_workers_scraped",
      help: "Worker processes whose metrics are summed in this scrape",
      registers: [scraped],
    }).set(all.length);
    const merged = Registry.merge([aggregated, scraped]);
    return { contentType: merged.contentType, text: await merged.metrics() };
  }
}
