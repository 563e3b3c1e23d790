// websocketConnect against a ws server and against our own WebSocketHandler.

import { createServer as createHttpsServer } from "node:https";
import { createServer, type Server, type Socket } from "node:net";
import { tlsFixtures } from "@t-tools/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import {
  type WebSocketClientConnection,
  WebSocketClosedError,
  WebSocketHandler,
  WebSocketHandshakeError,
  WebSocketTimeoutError,
  websocketConnect,
} from "../src/index.js";
import { sleep, until, WsFixture, within } from "./helpers.js";

let fx: WsFixture;
let wss: WebSocketServer | null;
const clients: WebSocketClientConnection[] = [];

beforeEach(() => {
  fx = new WsFixture();
  wss = null;
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.protocol.abort();
  if (wss !== null) {
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss?.close(r));
  }
  await fx.dispose();
  expect(fx.logger.unexpected()).toEqual([]);
});

/** A ws echo server on an ephemeral port; returns its ws:// URL. */
async function wsEchoServer(
  options: ConstructorParameters<typeof WebSocketServer>[0] = {},
): Promise<string> {
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1", ...options });
  wss = server;
  await new Promise((r) => server.once("listening", r));
  server.on("connection", (ws) => {
    ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  const addr = server.address() as { port: number };
  return `ws://127.0.0.1:${addr.port}/`;
}

async function connect(url: string, options?: Parameters<typeof websocketConnect>[1]) {
  const c = await within(websocketConnect(url, options), 5000, "websocketConnect");
  clients.push(c);
  return c;
}

describe("websocketConnect with a ws server", () => {
  it("exchanges text and binary messages, small and large", async () => {
    const c = await connect(await wsEchoServer());
    await c.writeMessage("héllo");
    expect(await within(c.readMessage())).toBe("héllo");
    await c.writeMessage(Buffer.from([1, 2, 3]));
    expect(await within(c.readMessage())).toEqual(Buffer.from([1, 2, 3]));
    const big = Buffer.alloc(300_000, 9);
    await c.writeMessage(big);
    expect((await within(c.readMessage())) as Buffer).toEqual(big);
    await c.writeMessage({ a: 1 });
    expect(await within(c.readMessage())).toBe('{"a":1}');
  });

  it("negotiates permessage-deflate with ws and round-trips compressed messages", async () => {
    const url = await wsEchoServer({ perMessageDeflate: { threshold: 0 } });
    const c = await connect(url, { compression: { threshold: 0 } });
    expect(c.headers.get("Sec-WebSocket-Extensions")).toMatch(/^permessage-deflate/);
    for (let i = 0; i < 3; i++) {
      const text = `round ${i} `.repeat(2000);
      await c.writeMessage(text);
      expect(await within(c.readMessage())).toBe(text);
    }
  });

  it("uses no_context_takeover and a smaller client window when asked", async () => {
    const url = await wsEchoServer({
      perMessageDeflate: { threshold: 0, clientNoContextTakeover: true, clientMaxWindowBits: 10 },
    });
    const c = await connect(url, { compression: { threshold: 0 } });
    expect(c.headers.get("Sec-WebSocket-Extensions")).toMatch(/client_no_context_takeover/);
    expect(c.headers.get("Sec-WebSocket-Extensions")).toMatch(/client_max_window_bits=10/);
    for (let i = 0; i < 3; i++) {
      await c.writeMessage("abc".repeat(3000));
      expect(await within(c.readMessage())).toBe("abc".repeat(3000));
    }
  });

  it("receives fragmented messages from ws", async () => {
    const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    wss = server;
    await new Promise((r) => server.once("listening", r));
    server.on("connection", (ws) => {
      ws.send("one ", { fin: false });
      ws.send("two ", { fin: false });
      ws.send("three", { fin: true });
    });
    const c = await connect(`ws://127.0.0.1:${(server.address() as { port: number }).port}/`);
    expect(await within(c.readMessage())).toBe("one two three");
  });

  it("selects a subprotocol offered by the client", async () => {
    const url = await wsEchoServer({ handleProtocols: (set) => (set.has("v2") ? "v2" : false) });
    const c = await connect(url, { subprotocols: ["v1", "v2"] });
    expect(c.selectedSubprotocol).toBe("v2");
  });

  it("reports the server's close code and reason, then reads null", async () => {
    const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    wss = server;
    await new Promise((r) => server.once("listening", r));
    server.on("connection", (ws) => ws.close(4002, "go away"));
    const c = await connect(`ws://127.0.0.1:${(server.address() as { port: number }).port}/`);
    expect(await within(c.readMessage())).toBeNull();
    await within(c.closed);
    expect(c.closeCode).toBe(4002);
    expect(c.closeReason).toBe("go away");
    await expect(c.writeMessage("x")).rejects.toBeInstanceOf(WebSocketClosedError);
  });

  it("completes a client-initiated closing handshake", async () => {
    const url = await wsEchoServer();
    const seen = new Promise<[number, string]>((resolve) => {
      wss?.on("connection", (ws) =>
        ws.on("close", (code, reason) => resolve([code, reason.toString()])),
      );
    });
    const c = await connect(url);
    c.close(1000, "bye");
    expect(await within(seen)).toEqual([1000, "bye"]);
    await within(c.closed);
    expect(c.closeCode).toBe(1000);
  });

  it("gets pongs for its pings and answers the server's pings", async () => {
    const url = await wsEchoServer();
    const serverPong = new Promise<string>((resolve) => {
      wss?.on("connection", (ws) => {
        ws.on("pong", (d) => resolve(d.toString()));
        ws.ping("from-server");
      });
    });
    const pongs: string[] = [];
    const c = await connect(url, { onPong: (d) => pongs.push(d.toString()) });
    c.ping("from-client");
    expect(await within(serverPong)).toBe("from-server");
    await until(() => pongs.length === 1);
    expect(pongs).toEqual(["from-client"]);
  });

  it("fails with WebSocketHandshakeError carrying the status when the server refuses", async () => {
    const url = await wsEchoServer({ verifyClient: () => false });
    const err = await websocketConnect(url).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WebSocketHandshakeError);
    expect((err as WebSocketHandshakeError).statusCode).toBe(401);
  });

  it("fails with WebSocketTimeoutError when the server never answers", async () => {
    const accepted = new Set<Socket>();
    const silent: Server = createServer((s) => accepted.add(s));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    fx.onDispose(() => {
      for (const s of accepted) s.destroy();
      silent.close();
    });
    const port = (silent.address() as { port: number }).port;
    // The timeout itself is the proof: without it the handshake would wait forever.
    const err = await websocketConnect(`ws://127.0.0.1:${port}/`, { connectTimeoutMs: 200 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WebSocketTimeoutError);
  });

  it("rejects bad arguments with TypeError/RangeError", async () => {
    await expect(websocketConnect("http://127.0.0.1/")).rejects.toBeInstanceOf(TypeError);
    await expect(
      websocketConnect("ws://127.0.0.1/", { connectTimeoutMs: -1 }),
    ).rejects.toBeInstanceOf(RangeError);
    await expect(
      websocketConnect("ws://127.0.0.1/", { compression: { level: 12 } }),
    ).rejects.toBeInstanceOf(RangeError);
  });

  it("refuses request headers that are not safe fields (@t/httpserver's isToken/isSafeFieldValue)", async () => {
    for (const headers of [
      { "Bad Name": "x" },
      { "X-Split": "a\r\nInjected: 1" },
      // Beyond latin1: written one byte per character, U+010D U+010A would go out as CR LF.
      { "X-Wide": "a\u010d\u010ab" },
    ]) {
      await expect(websocketConnect("ws://127.0.0.1:1/", { headers })).rejects.toThrow(
        /invalid request header/,
      );
    }
  });

  it("closes with 1009 when a message from the server is too big", async () => {
    const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    wss = server;
    await new Promise((r) => server.once("listening", r));
    const code = new Promise<number>((resolve) => {
      server.on("connection", (ws) => {
        ws.on("close", (c) => resolve(c));
        ws.send(Buffer.alloc(2000));
      });
    });
    const c = await connect(`ws://127.0.0.1:${(server.address() as { port: number }).port}/`, {
      maxMessageSize: 1000,
    });
    expect(await within(code)).toBe(1009);
    expect(await within(c.readMessage())).toBeNull();
    expect(c.protocol.error?.closeCode).toBe(1009);
  });
});

describe("websocketConnect over TLS", () => {
  it("connects to a wss:// ws server, checking its certificate", async () => {
    const https = createHttpsServer({
      key: tlsFixtures.key,
      cert: tlsFixtures.cert,
    });
    await new Promise<void>((r) => https.listen(0, "127.0.0.1", r));
    fx.onDispose(() => https.close());
    const server = new WebSocketServer({ server: https });
    wss = server;
    server.on("connection", (ws) => ws.on("message", (d, b) => ws.send(d, { binary: b })));
    const port = (https.address() as { port: number }).port;
    const c = await connect(`wss://localhost:${port}/`, { tls: { ca: tlsFixtures.ca } });
    await c.writeMessage("secret");
    expect(await within(c.readMessage())).toBe("secret");
    const untrusted = await websocketConnect(`wss://localhost:${port}/`).catch((e: unknown) => e);
    expect(untrusted).toBeInstanceOf(Error);
    expect(untrusted).not.toBeInstanceOf(WebSocketHandshakeError);
  });
});

describe("websocketConnect with our own server", () => {
  class Echo extends WebSocketHandler {
    override onMessage(m: string | Buffer) {
      return this.writeMessage(m);
    }
    override getCompressionOptions() {
      return this.request.path === "/z" ? { threshold: 0 } : null;
    }
  }

  it("echoes through both of our sides, with and without compression", async () => {
    await fx.serve([["/(z?)", Echo]]);
    for (const path of ["/", "/z"]) {
      const c = await connect(fx.url(path), { compression: { threshold: 0 } });
      expect(c.headers.get("Sec-WebSocket-Extensions") !== undefined).toBe(path === "/z");
      for (const m of ["a", "b".repeat(70_000), Buffer.alloc(100_000, 5)]) {
        await c.writeMessage(m);
        expect(await within(c.readMessage())).toEqual(m);
      }
      c.close();
      await within(c.closed);
    }
  });

  it("delivers messages to an onMessage callback in order, then null at close", async () => {
    await fx.serve([["/", Echo]]);
    const got: (string | Buffer | null)[] = [];
    const c = await connect(fx.url("/"), { onMessage: (m) => void got.push(m) });
    for (let i = 0; i < 20; i++) void c.writeMessage(String(i));
    await until(() => got.length === 20);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    c.close();
    await within(c.closed);
    await sleep(10);
    expect(got.at(-1)).toBeNull();
  });
});
