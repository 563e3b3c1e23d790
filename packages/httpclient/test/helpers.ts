// Test helpers: a checked loop with a client, servers (@t/httpserver, node:http, raw node:net) on 127.0.0.1, all closed by dispose.

import { createHash } from "node:crypto";
import * as http from "node:http";
import * as net from "node:net";
import {
  HTTPHeaders,
  type HTTPHeadersInit,
  HTTPServer,
  type HTTPServerOptions,
  type HTTPServerRequest,
  type RequestCallback,
} from "@t/httpserver";
import type { IOStream, SSLIOStream } from "@t/iostream";
import { CaptureLogger, LoopFixture, startApp, type TestApp, within } from "@t/testing";
import { AsyncHTTPClient, type AsyncHTTPClientOptions } from "../src/index.js";

export { rejection, waitFor, within } from "@t/testing";

/** An @t/httpserver that counts the TCP connections it accepted. */
class CountingServer extends HTTPServer {
  accepted = 0;
  override handleStream(
    stream: IOStream | SSLIOStream,
    address: Parameters<HTTPServer["handleStream"]>[1],
  ): void {
    this.accepted++;
    super.handleStream(stream, address);
  }
}

/** A served @t/httpserver: its URL and the connections it accepted. */
export interface TServer {
  readonly port: number;
  url(path?: string): string;
  readonly accepted: number;
  readonly app: TestApp;
}

/** A served node:http server and the sockets it accepted. */
export interface NodeServer {
  readonly port: number;
  readonly server: http.Server;
  url(path?: string): string;
  /** Connections accepted so far. */
  readonly accepted: number;
}

/** A raw TCP server: `onSocket` gets each connection. */
export interface RawServer {
  readonly port: number;
  url(path?: string): string;
  readonly sockets: net.Socket[];
}

/** Answer a request with `code`, headers and a body. */
export function reply(
  req: HTTPServerRequest,
  code: number,
  body: string | Buffer = "",
  headers: HTTPHeadersInit = {},
): void {
  req.connection.writeHeaders({ code }, new HTTPHeaders(headers), body);
  req.connection.finish();
}

/** sha256 hex of a buffer. */
export function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A started loop, clients and servers; `dispose()` closes them and fails on leaks. */
export class ClientFixture {
  readonly logger = new CaptureLogger();
  private readonly fixture = new LoopFixture({ logger: this.logger });
  readonly loop = this.fixture.loop;
  private readonly closers: (() => unknown)[] = [];

  /** A client on the fixture's loop (closed by dispose). */
  client(options: AsyncHTTPClientOptions = {}): AsyncHTTPClient {
    const c = new AsyncHTTPClient({ loop: this.loop, ...options });
    this.closers.push(() => c.close());
    return c;
  }

  /** Serve a request callback with @t/httpserver on 127.0.0.1 (or ::1). */
  async serveT(
    handler: RequestCallback,
    serverOptions: HTTPServerOptions = {},
    address: "127.0.0.1" | "::1" = "127.0.0.1",
  ): Promise<TServer> {
    let server: CountingServer | null = null;
    const app = await startApp(
      {
        listen: async (port: number, addr: string | undefined, opts: HTTPServerOptions) => {
          server = new CountingServer(handler, { ...opts, logger: this.logger, ...serverOptions });
          await server.listen(port, addr);
          return server;
        },
      },
      { loop: this.loop, address },
    );
    this.closers.push(() => app.close());
    return {
      port: app.port,
      url: app.url,
      get accepted() {
        return (server as CountingServer | null)?.accepted ?? 0;
      },
      app,
    };
  }

  /** Serve with node:http on 127.0.0.1. */
  async serveNode(
    handler: http.RequestListener,
    options: http.ServerOptions = {},
  ): Promise<NodeServer> {
    const server = http.createServer(options, handler);
    let accepted = 0;
    server.on("connection", () => accepted++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.closers.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const port = (server.address() as net.AddressInfo).port;
    return {
      port,
      server,
      url: (path = "/") => `http://127.0.0.1:${port}${path}`,
      get accepted() {
        return accepted;
      },
    };
  }

  /** A raw node:net server on 127.0.0.1; `onSocket` handles each connection. */
  async serveRaw(onSocket: (socket: net.Socket, index: number) => void): Promise<RawServer> {
    const sockets: net.Socket[] = [];
    const server = net.createServer((s) => {
      sockets.push(s);
      s.on("error", () => {});
      onSocket(s, sockets.length - 1);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.closers.push(
      () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          server.close(() => resolve());
        }),
    );
    const port = (server.address() as net.AddressInfo).port;
    return { port, sockets, url: (path = "/") => `http://127.0.0.1:${port}${path}` };
  }

  /** Run `fn` at dispose (before the leak check). */
  onDispose(fn: () => unknown): void {
    this.closers.push(fn);
  }

  async dispose(): Promise<void> {
    for (const c of this.closers.splice(0).reverse()) {
      try {
        await within(Promise.resolve(c()), 10_000, "closing a test resource");
      } catch {
        // Closed already.
      }
    }
    await this.fixture.dispose();
    const unexpected = this.logger.unexpected();
    if (unexpected.length > 0) {
      throw new Error(`unexpected log lines: ${JSON.stringify(unexpected.map((e) => e.msg))}`);
    }
  }
}

/** Read a raw HTTP request head (and nothing more) from a node socket. */
export function readHead(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let acc = "";
    const onData = (d: Buffer) => {
      acc += d.toString("latin1");
      const i = acc.indexOf("\r\n\r\n");
      if (i !== -1) {
        socket.off("data", onData);
        const rest = acc.slice(i + 4);
        if (rest.length > 0) socket.unshift(Buffer.from(rest, "latin1"));
        resolve(acc.slice(0, i + 4));
      }
    };
    socket.on("data", onData);
    socket.once("error", reject);
  });
}
