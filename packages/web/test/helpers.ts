// Test helpers: a running loop + an Application served on 127.0.0.1, a capturing logger, raw clients.

import { connect } from "node:net";
import type { HTTPServer, HTTPServerOptions } from "@t/httpserver";
import { IOLoop } from "@t/ioloop";
import { CaptureLogger } from "@t-tools/testing";

export { CaptureLogger, type LogEntry } from "@t-tools/testing";

import { Application, type ApplicationSettings, type RouteSpec } from "../src/index.js";

/** A started loop, an app served on an ephemeral port, and cleanup. */
export class WebFixture {
  readonly loop = new IOLoop();
  readonly logger = new CaptureLogger();
  private readonly done: Promise<void>;
  server: HTTPServer | null = null;
  app: Application | null = null;
  port = 0;

  constructor() {
    this.loop.makeCurrent();
    this.done = this.loop.start();
  }

  async serve(
    routes: RouteSpec[],
    settings: ApplicationSettings = {},
    serverOptions: HTTPServerOptions = {},
  ): Promise<Application> {
    const app = new Application(routes, { logger: this.logger, ...settings });
    this.app = app;
    this.server = await app.listen(0, "127.0.0.1", { logger: this.logger, ...serverOptions });
    this.port = this.server.addresses()[0].port;
    return app;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** fetch with a timeout and no redirect following. */
  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(this.url(path), {
      redirect: "manual",
      signal: AbortSignal.timeout(10_000),
      ...init,
    });
  }

  /** Wait (bounded) until `pred` holds. */
  async waitFor(pred: () => boolean, timeoutMs = 5000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!pred()) {
      if (Date.now() > end) throw new Error("waitFor timed out");
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async dispose(): Promise<void> {
    if (this.server !== null) {
      this.server.stop();
      await this.server.closeAllConnections?.();
    }
    this.loop.stop();
    await this.done;
    this.loop.close();
    IOLoop.clearCurrent();
  }
}

/** Send raw bytes and collect everything until the server closes (or `untilRe` matches), bounded. */
export function rawRequest(
  port: number,
  data: string | Buffer,
  untilRe?: RegExp,
  timeoutMs = 5000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, "127.0.0.1");
    let out = "";
    const timer = setTimeout(() => {
      sock.destroy();
      if (untilRe) reject(new Error(`raw request timed out; got ${JSON.stringify(out)}`));
      else resolve(out);
    }, timeoutMs);
    sock.on("data", (d) => {
      out += d.toString("latin1");
      if (untilRe?.test(out)) {
        clearTimeout(timer);
        sock.destroy();
        resolve(out);
      }
    });
    sock.on("end", () => {
      clearTimeout(timer);
      resolve(out);
    });
    sock.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    sock.write(data);
  });
}
