// Test fixture: a running loop with a capturing logger, plus servers and clients closed afterwards.

import { decode, encode } from "@msgpack/msgpack";
import { IOLoop, type Logger } from "@t/ioloop";
import type { IOStream } from "@t/iostream";
import { TCPClient } from "@t/tcpserver";
import { within } from "@t-tools/testing";
import { afterEach, beforeEach, expect } from "vitest";
import {
  RpcClient,
  type RpcClientOptions,
  RpcServer,
  type RpcServerOptions,
} from "../src/index.js";

export { rejection, sleep, until, within } from "@t-tools/testing";

/** One message as a frame: a 4-byte big-endian length, then its msgpack bytes (for raw peers). */
export function frame(message: unknown): Buffer {
  const payload = encode(message);
  const out = Buffer.alloc(4 + payload.length);
  out.writeUInt32BE(payload.length);
  out.set(payload, 4);
  return out;
}

/** Read one frame from a raw stream and decode it (bounded). */
export async function readMessage(raw: IOStream): Promise<unknown> {
  const len = await within(raw.readBytes(4));
  return decode(await within(raw.readBytes(len.readUInt32BE(0))));
}

/** One logged line. */
export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  obj: unknown;
}

/**
 * A started loop plus everything a test opened. Warnings and errors logged during the test must
 * be declared with `expectLog` (Tornado's ExpectLog); `dispose` fails the test otherwise.
 */
export class RpcFixture {
  readonly logs: LogEntry[] = [];
  readonly logger: Logger;
  readonly loop: IOLoop;
  private readonly done: Promise<void>;
  private readonly servers: RpcServer[] = [];
  private readonly clients: RpcClient[] = [];
  private readonly streams: IOStream[] = [];
  private readonly sockets: { destroy(): void }[] = [];
  private readonly expected: RegExp[] = [];

  constructor() {
    const log =
      (level: LogEntry["level"]) =>
      (obj: unknown, msg?: string): void => {
        const text = typeof obj === "string" ? obj : (msg ?? String(obj));
        this.logs.push({ level, msg: text, obj });
      };
    this.logger = {
      debug: log("debug"),
      info: log("info"),
      warn: log("warn"),
      error: log("error"),
    };
    this.loop = new IOLoop({ logger: this.logger });
    this.loop.makeCurrent();
    this.done = this.loop.start();
  }

  /** Declare that a warning/error matching `pattern` is expected (and required) in this test. */
  expectLog(pattern: RegExp): void {
    this.expected.push(pattern);
  }

  /** An RpcServer listening on `port` (default 0: any) of `host`; returns it and its port. */
  async server(
    options?: RpcServerOptions,
    host = "127.0.0.1",
    port = 0,
  ): Promise<{ server: RpcServer; port: number }> {
    const server = new RpcServer({ loop: this.loop, logger: this.logger, ...options });
    this.servers.push(server);
    await server.listen(port, host);
    return { server, port: server.addresses()[0].port };
  }

  /** An RpcClient (not yet connected). */
  client(options?: RpcClientOptions): RpcClient {
    const client = new RpcClient({ loop: this.loop, logger: this.logger, ...options });
    this.clients.push(client);
    return client;
  }

  /** A connected RpcClient. */
  async connect(port: number, options?: RpcClientOptions, host = "127.0.0.1"): Promise<RpcClient> {
    const client = this.client(options);
    await client.connect(host, port);
    return client;
  }

  /** A raw TCP stream to `port` (for speaking bytes the protocol would never produce). */
  async raw(port: number, host = "127.0.0.1"): Promise<IOStream> {
    const stream = (await new TCPClient({ loop: this.loop }).connect(host, port)) as IOStream;
    this.streams.push(stream);
    return stream;
  }

  /** Destroy a node:net/tls socket at dispose. */
  track<T extends { destroy(): void }>(socket: T): T {
    this.sockets.push(socket);
    return socket;
  }

  async dispose(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    for (const c of this.clients) c.close();
    for (const s of this.streams) s.close();
    for (const s of this.servers) await s.shutdown({ deadlineMs: 0 });
    this.loop.stop();
    await this.done;
    this.loop.close();
    IOLoop.clearCurrent();
    const loud = this.logs.filter((l) => l.level === "warn" || l.level === "error");
    for (const pattern of this.expected) {
      expect(
        loud.some((l) => pattern.test(l.msg)),
        `expected a log line matching ${pattern}`,
      ).toBe(true);
    }
    const undeclared = loud.filter((l) => !this.expected.some((p) => p.test(l.msg)));
    expect(undeclared.map((l) => `${l.level}: ${l.msg}`)).toEqual([]);
  }
}

/**
 * The calling file's fixture: a fresh RpcFixture before each test, disposed (and its logs
 * checked) after it. The returned handle always stands for the current test's fixture.
 */
export function useRpcFixture(): RpcFixture {
  let current: RpcFixture | null = null;
  beforeEach(() => {
    current = new RpcFixture();
  });
  afterEach(async () => {
    const fx = current;
    current = null;
    await fx?.dispose();
  });
  return new Proxy({} as RpcFixture, {
    get(_target, key) {
      if (current === null) throw new Error("the RPC fixture is only available inside a test");
      const value: unknown = Reflect.get(current, key);
      return typeof value === "function" ? value.bind(current) : value;
    },
  });
}
