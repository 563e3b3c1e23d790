// Test helpers: a running loop with HTTP servers per test, and a raw-socket HTTP client.

import * as net from "node:net";
import { LoopFixture, within } from "@t-tools/testing";
import {
  HTTPHeaders,
  HTTPServer,
  type HTTPServerDelegate,
  type HTTPServerOptions,
  type HTTPServerRequest,
  type RequestCallback,
} from "../src/index.js";

export { sleep, tlsFixtures, within } from "@t-tools/testing";

/** Log lines captured from the servers' logger (warnings and errors must be expected). */
export interface LogLine {
  level: string;
  msg: string;
  obj: unknown;
}

/**
 * @t/testing's loop fixture (dispose closes the servers and clients of one test, then fails on
 * leaked handlers, timers and sockets) with a capturing logger and raw clients.
 */
export class ServerFixture extends LoopFixture {
  readonly logs: LogLine[] = [];
  readonly logger = {
    debug: (obj: unknown, msg?: string) => this.log("debug", obj, msg),
    info: (obj: unknown, msg?: string) => this.log("info", obj, msg),
    warn: (obj: unknown, msg?: string) => this.log("warn", obj, msg),
    error: (obj: unknown, msg?: string) => this.log("error", obj, msg),
  };

  private log(level: string, obj: unknown, msg?: string): void {
    this.logs.push({ level, obj, msg: msg ?? String(obj) });
  }

  /** Warnings and errors logged so far (a test that expects none asserts this is empty). */
  problems(): LogLine[] {
    return this.logs.filter((l) => l.level === "warn" || l.level === "error");
  }

  /** Start an HTTPServer on 127.0.0.1 (or `host`), port 0; resolves with it and its port. */
  async serve(
    handler: RequestCallback | HTTPServerDelegate,
    options: HTTPServerOptions = {},
    host = "127.0.0.1",
  ): Promise<{ server: HTTPServer; port: number }> {
    const server = new HTTPServer(handler, { logger: this.logger, loop: this.loop, ...options });
    this.track({
      close: async () => {
        server.stop();
        await server.closeAllConnections();
      },
    });
    await server.listen(0, host);
    return { server, port: server.addresses()[0].port };
  }

  /** A raw client connected to `port`. */
  async connect(port: number, host = "127.0.0.1"): Promise<RawClient> {
    const c = await RawClient.connect(port, host);
    this.track({ close: () => c.destroy() });
    return c;
  }
}

/** A parsed response. */
export interface RawResponse {
  status: number;
  reason: string;
  version: string;
  headers: HTTPHeaders;
  body: Buffer;
  /** The raw bytes of the head (status line + fields). */
  head: string;
}

/**
 * A node:net client that writes raw bytes and parses responses incrementally (Content-Length,
 * chunked, or close-delimited bodies; no body for HEAD requests and 1xx/204/304).
 */
export class RawClient {
  private buf: Buffer = Buffer.alloc(0);
  closed = false;
  private waiter: (() => void) | null = null;
  /** Requests whose responses carry no body (HEAD), in order. */
  readonly headQueue: boolean[] = [];

  private constructor(readonly socket: net.Socket) {
    socket.on("data", (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => {});
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RawClient> {
    return within(
      new Promise((resolve, reject) => {
        const s = net.connect({ port, host }, () => resolve(new RawClient(s)));
        s.setNoDelay(true);
        s.once("error", reject);
      }),
      5000,
      "connect",
    );
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    if (w !== null) w();
  }

  private waitData(): Promise<void> {
    return new Promise((r) => {
      this.waiter = r;
    });
  }

  /** Write raw bytes. */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(data, (err) => (err ? reject(err) : resolve())),
    );
  }

  /** Close our side. */
  destroy(): void {
    this.socket.destroy();
  }

  /** Everything received so far, as latin1 (without consuming it). */
  peek(): string {
    return this.buf.toString("latin1");
  }

  /** Wait until the server closes the connection; resolves with the unread bytes. */
  async readUntilClose(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error("server did not close the connection");
      await within(this.waitData(), deadline - Date.now() + 10, "close").catch(() => {});
    }
    const s = this.buf.toString("latin1");
    this.buf = Buffer.alloc(0);
    return s;
  }

  /** Read one response (`headRequest`: it answers a HEAD request, so no body). */
  async readResponse(headRequest = false, timeoutMs = 5000): Promise<RawResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.tryParse(headRequest);
      if (r !== null) return r;
      if (this.closed) {
        throw new Error(
          `connection closed before a full response; got ${JSON.stringify(this.peek())}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no full response within ${timeoutMs} ms; got ${JSON.stringify(this.peek())}`,
        );
      await within(this.waitData(), left, "response").catch(() => {});
    }
  }

  private tryParse(headRequest: boolean): RawResponse | null {
    const buf = this.buf;
    const end = buf.indexOf("\r\n\r\n");
    if (end === -1) return null;
    const head = buf.subarray(0, end).toString("latin1");
    const lines = head.split("\r\n");
    const m = /^(HTTP\/1\.[01]) (\d{3}) ?(.*)$/.exec(lines[0]);
    if (m === null) throw new Error(`bad status line ${JSON.stringify(lines[0])}`);
    const headers = new HTTPHeaders();
    for (const line of lines.slice(1)) {
      const c = line.indexOf(":");
      headers.add(line.slice(0, c), line.slice(c + 1).trim());
    }
    const status = Number(m[2]);
    let pos = end + 4;
    let body: Buffer;
    const te = headers.get("Transfer-Encoding");
    const cl = headers.get("Content-Length");
    if (headRequest || (status >= 100 && status < 200) || status === 204 || status === 304) {
      body = Buffer.alloc(0);
    } else if (te !== undefined && te.toLowerCase() === "chunked") {
      const parts: Buffer[] = [];
      for (;;) {
        const eol = buf.indexOf("\r\n", pos);
        if (eol === -1) return null;
        const size = Number.parseInt(buf.subarray(pos, eol).toString("latin1").split(";")[0], 16);
        if (size === 0) {
          const fin = buf.indexOf("\r\n\r\n", eol);
          if (fin === -1) {
            if (buf.length >= eol + 4 && buf.subarray(eol, eol + 4).toString() === "\r\n\r\n") {
              pos = eol + 4;
              break;
            }
            return null;
          }
          pos = fin + 4;
          break;
        }
        if (buf.length < eol + 2 + size + 2) return null;
        parts.push(buf.subarray(eol + 2, eol + 2 + size));
        pos = eol + 2 + size + 2;
      }
      body = Buffer.concat(parts);
    } else if (cl !== undefined) {
      const n = Number(cl);
      if (buf.length < pos + n) return null;
      body = buf.subarray(pos, pos + n);
      pos += n;
    } else {
      if (!this.closed) return null;
      body = buf.subarray(pos);
      pos = buf.length;
    }
    this.buf = buf.subarray(pos);
    return { status, reason: m[3], version: m[1], headers, body: Buffer.from(body), head };
  }
}

/** A request callback that answers 200 with a JSON echo of the request. */
export const echoHandler: RequestCallback = (req: HTTPServerRequest) => {
  const body = JSON.stringify({
    method: req.method,
    uri: req.uri,
    path: req.path,
    query: req.query,
    version: req.version,
    headers: [...req.headers],
    body: req.body.toString("latin1"),
    remoteIp: req.remoteIp,
    protocol: req.protocol,
  });
  req.connection.writeHeaders(
    { code: 200, reason: "OK" },
    new HTTPHeaders({ "Content-Type": "application/json" }),
    body,
  );
  req.connection.finish();
};

/** Parse the JSON of an echo response. */
export function echoed(r: RawResponse): {
  method: string;
  uri: string;
  path: string;
  query: string;
  version: string;
  headers: [string, string][];
  body: string;
  remoteIp: string;
  protocol: string;
} {
  return JSON.parse(r.body.toString("utf8"));
}
