// Test helpers: an Application served by @t/testing's startApp on a checked loop, raw clients.

import { connect } from "node:net";
import type { HTTPServer, HTTPServerOptions } from "@t/httpserver";
import { CaptureLogger, LoopFixture, startApp, type TestApp, waitFor } from "@t/testing";

export { CaptureLogger, type LogEntry } from "@t/testing";

import { Application, type ApplicationSettings, type RouteSpec } from "../src/index.js";

/** A started loop, an app served on an ephemeral port, and cleanup that fails on leaks. */
export class WebFixture {
  private readonly fixture = new LoopFixture();
  readonly loop = this.fixture.loop;
  readonly logger = new CaptureLogger();
  server: HTTPServer | null = null;
  app: Application | null = null;
  port = 0;
  private served: TestApp | null = null;

  async serve(
    routes: RouteSpec[],
    settings: ApplicationSettings = {},
    serverOptions: HTTPServerOptions = {},
  ): Promise<Application> {
    const app = new Application(routes, { logger: this.logger, ...settings });
    this.app = app;
    this.served = await startApp(app, {
      loop: this.loop,
      serverOptions: { logger: this.logger, ...serverOptions },
    });
    this.server = this.served.server;
    this.port = this.served.port;
    return app;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** fetch with a timeout and no redirect following. */
  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    if (this.served === null) throw new Error("serve() first");
    return this.served.fetch(path, init);
  }

  /** Wait (bounded) until `pred` holds. */
  async waitFor(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
    await waitFor(pred, { timeoutMs });
  }

  async dispose(): Promise<void> {
    await this.served?.close();
    await this.fixture.dispose();
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
