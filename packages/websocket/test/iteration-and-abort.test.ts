// for await over WebSocket messages (client and handler side) and websocketConnect({ signal }).

import { createServer, type Server, type Socket } from "node:net";
import { AbortError } from "@t/ioloop";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import {
  type WebSocketClientConnection,
  WebSocketHandler,
  websocketConnect,
} from "../src/index.js";
import { closeEvent, nextMessage, until, WsFixture, within } from "./helpers.js";

let fx: WsFixture;
let wss: WebSocketServer | null;
let rawServer: Server | null;
const rawSockets: Socket[] = [];
const clients: WebSocketClientConnection[] = [];

beforeEach(() => {
  fx = new WsFixture();
  wss = null;
  rawServer = null;
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.protocol.abort();
  for (const s of rawSockets.splice(0)) s.destroy();
  if (rawServer !== null) await new Promise((r) => rawServer?.close(r));
  if (wss !== null) {
    for (const c of wss.clients) c.terminate();
    await new Promise((r) => wss?.close(r));
  }
  await fx.dispose();
  expect(fx.logger.unexpected()).toEqual([]);
});

/** A ws server whose connections get `onConnection`; returns its ws:// URL. */
async function wsServer(onConnection: (ws: import("ws").WebSocket) => void): Promise<string> {
  const server = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  wss = server;
  await new Promise((r) => server.once("listening", r));
  server.on("connection", onConnection);
  return `ws://127.0.0.1:${(server.address() as { port: number }).port}/`;
}

/** A TCP server that accepts and reads but never answers; counts connections and bytes. */
async function silentServer(): Promise<{
  url: string;
  stats: { connections: number; bytes: number; closed: number };
}> {
  const stats = { connections: 0, bytes: 0, closed: 0 };
  const server = createServer((s) => {
    rawSockets.push(s);
    stats.connections++;
    s.on("data", (d) => {
      stats.bytes += d.length;
    });
    s.on("close", () => stats.closed++);
    s.on("error", () => {});
  });
  rawServer = server;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `ws://127.0.0.1:${(server.address() as { port: number }).port}/`, stats };
}

async function connect(url: string, options?: Parameters<typeof websocketConnect>[1]) {
  const c = await within(websocketConnect(url, options), 5000, "websocketConnect");
  clients.push(c);
  return c;
}

describe("websocketConnect with a signal", () => {
  it("an already-aborted signal rejects at once and opens no connection", async () => {
    const { url, stats } = await silentServer();
    const reason = new Error("not needed any more");
    const err = await websocketConnect(url, { signal: AbortSignal.abort(reason) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AbortError);
    expect(err).toMatchObject({ name: "AbortError", code: "T_ERR_ABORTED", cause: reason });
    expect((err as Error).message).toContain("websocketConnect()");
    expect(stats.connections).toBe(0);
  });

  it("aborting while the server has not answered the upgrade closes the socket", async () => {
    const { url, stats } = await silentServer();
    const ac = new AbortController();
    const connecting = websocketConnect(url, { signal: ac.signal, connectTimeoutMs: 120_000 });
    await until(() => stats.bytes > 0, 10_000, "the upgrade request arrived");
    ac.abort("user left");
    const err = await within(connecting.catch((e: unknown) => e));
    expect(err).toBeInstanceOf(AbortError);
    expect(err).toMatchObject({ cause: "user left" });
    expect((err as Error).message).toContain("websocketConnect()");
    await until(() => stats.closed === 1, 10_000, "the server saw the socket close");
  });

  it("a signal that is not an AbortSignal is a TypeError", async () => {
    await expect(
      websocketConnect("ws://127.0.0.1:1/", { signal: {} as AbortSignal }),
    ).rejects.toThrow(TypeError);
  });
});

describe("for await over a client connection", () => {
  it("yields every message in order and ends when the server closes", async () => {
    const url = await wsServer((ws) => {
      for (let i = 0; i < 5; i++) ws.send(`text ${i}`);
      ws.send(Buffer.from([1, 2, 3]));
      ws.close(1000, "done");
    });
    const c = await connect(url);
    const got: (string | Buffer)[] = [];
    await within(
      (async () => {
        for await (const message of c) got.push(message);
      })(),
    );
    expect(got.slice(0, 5)).toEqual(["text 0", "text 1", "text 2", "text 3", "text 4"]);
    expect(Buffer.isBuffer(got[5])).toBe(true);
    expect([...(got[5] as Buffer)]).toEqual([1, 2, 3]);
    expect(got).toHaveLength(6);
    expect(c.closeCode).toBe(1000);
    expect(c.closeReason).toBe("done");
  });

  it("break closes the connection with 1000", async () => {
    let serverClose: Promise<[number, string]> | null = null;
    const url = await wsServer((ws) => {
      serverClose = closeEvent(ws);
      ws.send("first");
      ws.send("second");
    });
    const c = await connect(url);
    for await (const message of c) {
      expect(message).toBe("first");
      break;
    }
    await until(() => serverClose !== null);
    expect((await (serverClose as unknown as Promise<[number, string]>))[0]).toBe(1000);
    await within(c.closed);
  });

  it("messages({ closeOnReturn: false }): break leaves it open, readMessage goes on", async () => {
    const url = await wsServer((ws) => {
      ws.send("one");
      ws.send("two");
      ws.on("message", (m) => ws.send(`echo ${m}`));
    });
    const c = await connect(url);
    for await (const message of c.messages({ closeOnReturn: false })) {
      expect(message).toBe("one");
      break;
    }
    expect(await within(c.readMessage())).toBe("two");
    await c.writeMessage("three");
    expect(await within(c.readMessage())).toBe("echo three");
  });

  it("an iteration is exclusive with readMessage, a second iteration and the onMessage option", async () => {
    const url = await wsServer((ws) => ws.send("x"));
    const c = await connect(url);
    const it = c[Symbol.asyncIterator]();
    expect(await within(it.next())).toEqual({ done: false, value: "x" });
    expect(() => c.readMessage()).toThrow(/while the messages are iterated/);
    expect(() => c.messages()).toThrow(/already being iterated/);
    await it.return(undefined);
    const cb = await connect(url, { onMessage: () => {} });
    expect(() => cb.messages()).toThrow(/onMessage option/);
  });
});

describe("WebSocketHandler.messages()", () => {
  it("a loop in async open() echoes every message and ends at close", async () => {
    const events: string[] = [];
    class LoopEcho extends WebSocketHandler {
      override async open() {
        for await (const message of this.messages()) {
          await this.writeMessage(`echo ${String(message)}`);
        }
        events.push("loop ended");
      }
      override onClose() {
        events.push(`closed ${this.closeCode}`);
      }
    }
    await fx.serve([["/ws", LoopEcho]]);
    const ws = await fx.wsClient("/ws");
    for (const text of ["a", "b", "c"]) {
      const reply = nextMessage(ws);
      ws.send(text);
      expect((await reply)[0].toString()).toBe(`echo ${text}`);
    }
    ws.close(1000);
    await until(() => events.length === 2, 10_000, "loop end and onClose");
    expect(events).toContain("loop ended");
    expect(events).toContain("closed 1000");
  });

  it("messages sent before open() reaches the loop are not lost", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const seen: string[] = [];
    class Late extends WebSocketHandler {
      override async open() {
        await gate;
        for await (const message of this.messages()) {
          seen.push(String(message));
          if (seen.length === 3) await this.writeMessage("got 3");
        }
      }
    }
    await fx.serve([["/ws", Late]]);
    const ws = await fx.wsClient("/ws");
    const reply = nextMessage(ws);
    ws.send("1");
    ws.send("2");
    ws.send("3");
    release();
    expect((await reply)[0].toString()).toBe("got 3");
    expect(seen).toEqual(["1", "2", "3"]);
  });

  it("break closes the connection with 1000", async () => {
    class UntilStop extends WebSocketHandler {
      override async open() {
        for await (const message of this.messages()) {
          if (message === "stop") break;
          await this.writeMessage(message);
        }
      }
    }
    await fx.serve([["/ws", UntilStop]]);
    const ws = await fx.wsClient("/ws");
    const closed = closeEvent(ws);
    const reply = nextMessage(ws);
    ws.send("hi");
    expect((await reply)[0].toString()).toBe("hi");
    ws.send("stop");
    expect((await closed)[0]).toBe(1000);
  });

  it("a handler that overrides onMessage and calls messages() gets a TypeError", async () => {
    let error: unknown = null;
    class Both extends WebSocketHandler {
      override open() {
        try {
          this.messages();
        } catch (err) {
          error = err;
        }
      }
      override onMessage(message: string | Buffer) {
        return this.writeMessage(message);
      }
    }
    await fx.serve([["/ws", Both]]);
    const ws = await fx.wsClient("/ws");
    await until(() => error !== null, 10_000, "open ran");
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(
      /Both overrides onMessage.*either onMessage or messages\(\)/,
    );
    // onMessage still serves the connection.
    const reply = nextMessage(ws);
    ws.send("still echoed");
    expect((await reply)[0].toString()).toBe("still echoed");
  });
});
