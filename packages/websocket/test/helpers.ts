// Test helpers: an Application served by @t/testing's startApp on a checked loop, ws clients, raw sockets.

import { connect, type Socket } from "node:net";
import type { HTTPServer } from "@t/httpserver";
import { CaptureLogger, LoopFixture, startApp, type TestApp, waitFor, within } from "@t/testing";

export { CaptureLogger, type LogEntry, sleep, within } from "@t/testing";

import { Application, type ApplicationSettings } from "@t/web";
import WebSocket from "ws";

type RouteSpec = ConstructorParameters<typeof Application>[0] extends
  | readonly (infer R)[]
  | undefined
  ? R
  : never;

/** A started loop, an app on an ephemeral port, ws clients and raw sockets, all closed by dispose. */
export class WsFixture {
  readonly logger = new CaptureLogger();
  private readonly fixture = new LoopFixture({ logger: this.logger });
  readonly loop = this.fixture.loop;
  server: HTTPServer | null = null;
  port = 0;
  private served: TestApp | null = null;
  private readonly closers: (() => void)[] = [];

  async serve(routes: RouteSpec[], settings: ApplicationSettings = {}): Promise<number> {
    const app = new Application(routes, { logger: this.logger, ...settings });
    this.served = await startApp(app, { loop: this.loop, serverOptions: { logger: this.logger } });
    this.server = this.served.server;
    this.port = this.served.port;
    return this.port;
  }

  url(path: string): string {
    return `ws://127.0.0.1:${this.port}${path}`;
  }

  /** Register cleanup. */
  onDispose(fn: () => void): void {
    this.closers.push(fn);
  }

  /** A ws client connected to `path` (resolves once open). */
  wsClient(
    path: string,
    options: WebSocket.ClientOptions = {},
    protocols?: string[],
  ): Promise<WebSocket> {
    const ws = new WebSocket(this.url(path), protocols, options);
    this.closers.push(() => ws.terminate());
    return within(
      new Promise((resolve, reject) => {
        ws.once("open", () => resolve(ws));
        ws.once("error", reject);
        ws.once("unexpected-response", (_req, res) =>
          reject(new Error(`unexpected response ${res.statusCode}`)),
        );
      }),
      5000,
      "ws open",
    );
  }

  /** A raw TCP socket to the server. */
  raw(): Promise<Socket> {
    const s = connect(this.port, "127.0.0.1");
    this.closers.push(() => s.destroy());
    return within(
      new Promise((resolve, reject) => {
        s.once("connect", () => resolve(s));
        s.once("error", reject);
      }),
      5000,
      "raw connect",
    );
  }

  async dispose(): Promise<void> {
    for (const c of this.closers) {
      try {
        c();
      } catch {}
    }
    await this.served?.close();
    await this.fixture.dispose();
  }
}

/** Wait until `cond()` holds, polling; rejects after `ms`. */
export async function until(cond: () => boolean, ms = 10_000, what = "condition"): Promise<void> {
  await waitFor(cond, { timeoutMs: ms, what });
}

/** Next message of a ws client, as [data, isBinary]. */
export function nextMessage(ws: WebSocket, ms = 5000): Promise<[Buffer, boolean]> {
  return within(
    new Promise((resolve) =>
      ws.once("message", (d: Buffer, isBinary: boolean) => resolve([d, isBinary])),
    ),
    ms,
    "ws message",
  );
}

/** The close event of a ws client, as [code, reason]. */
export function closeEvent(ws: WebSocket, ms = 5000): Promise<[number, string]> {
  return within(
    new Promise((resolve) =>
      ws.once("close", (code: number, reason: Buffer) => resolve([code, reason.toString()])),
    ),
    ms,
    "ws close",
  );
}

/** Read from a raw socket until `pred(all bytes)` holds or it closes; resolves with the bytes. */
export function readRaw(
  s: Socket,
  pred: (b: Buffer) => boolean = () => false,
  ms = 5000,
): Promise<Buffer> {
  return within(
    new Promise((resolve) => {
      let all = Buffer.alloc(0);
      const onData = (d: Buffer) => {
        all = Buffer.concat([all, d]);
        if (pred(all)) finish();
      };
      const finish = () => {
        s.off("data", onData);
        s.off("close", finish);
        s.off("end", finish);
        resolve(all);
      };
      s.on("data", onData);
      s.once("end", finish);
      s.once("close", finish);
      s.on("error", () => {});
    }),
    ms,
    "raw read",
  );
}

/** A valid client upgrade request for `path` with extra header lines. */
export function upgradeRequest(
  path: string,
  port: number,
  extra: Record<string, string> = {},
  omit: string[] = [],
): string {
  const h: Record<string, string> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: "websocket",
    Connection: "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
    ...extra,
  };
  for (const k of omit) delete h[k];
  return `GET ${path} HTTP/1.1\r\n${Object.entries(h)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("")}\r\n`;
}
