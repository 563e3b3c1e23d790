// WebSocketHandler against the ws client and raw sockets: framing, compression, limits, handshakes.

import type { Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  type CompressionOptions,
  encodeFrame,
  FrameParser,
  WebSocketClosedError,
  WebSocketHandler,
} from "../src/index.js";
import {
  closeEvent,
  nextMessage,
  readRaw,
  sleep,
  until,
  upgradeRequest,
  WsFixture,
  within,
} from "./helpers.js";

let fx: WsFixture;
/** What the handlers under test saw. */
let events: unknown[][];
let handlers: WebSocketHandler[];

beforeEach(() => {
  fx = new WsFixture();
  events = [];
  handlers = [];
});

afterEach(async () => {
  await fx.dispose();
  expect(fx.logger.unexpected()).toEqual([]);
});

class EchoHandler extends WebSocketHandler {
  override open(...args: (string | undefined)[]) {
    handlers.push(this);
    events.push(["open", ...args]);
  }
  override onMessage(message: string | Buffer) {
    events.push(["message", message]);
    return this.writeMessage(message);
  }
  override onPing(data: Buffer) {
    events.push(["ping", data.toString()]);
  }
  override onPong(data: Buffer) {
    events.push(["pong", data.toString()]);
  }
  override onClose() {
    events.push(["close", this.closeCode, this.closeReason]);
  }
}

class CompressedEcho extends EchoHandler {
  static options: CompressionOptions = { threshold: 0 };
  override getCompressionOptions() {
    return CompressedEcho.options;
  }
}

/** Parse the frames a server sent on a raw socket (skipping the 101 head). */
function serverFrames(bytes: Buffer): { frames: [number, Buffer][]; errors: number } {
  const headEnd = bytes.indexOf("\r\n\r\n");
  const frames: [number, Buffer][] = [];
  let errors = 0;
  const parser = new FrameParser(
    {
      onFrame: (op, _fin, _rsv1, payload) => frames.push([op, payload]),
      onProtocolError: () => errors++,
    },
    { expectMasked: false, maxMessageSize: 1 << 24, allowRsv1: true },
  );
  parser.execute(bytes, headEnd + 4, bytes.length);
  return { frames, errors };
}

function closeCodeOf(frames: [number, Buffer][]): number | undefined {
  const close = frames.find((f) => f[0] === 8);
  return close === undefined || close[1].length < 2 ? undefined : close[1].readUInt16BE(0);
}

/**
 * Handshake on a raw socket, send `frames`, answer the server's close frame like a client
 * would; resolves with everything received until the server hung up.
 */
async function rawSession(path: string, frames: Buffer[]): Promise<Buffer> {
  const s = await fx.raw();
  s.write(upgradeRequest(path, fx.port));
  const untilClose = readRaw(s, (b) => serverFrames(b).frames.some((f) => f[0] === 8));
  const untilEnd = readRaw(s);
  await sleep(20);
  for (const f of frames) s.write(f);
  await untilClose;
  // Like ws: answer the close, then half-close; the server hangs up on seeing the end.
  if (!s.destroyed) s.end(encodeFrame(8, Buffer.from([0x03, 0xe8]), true, false, true));
  return untilEnd;
}

describe("WebSocketHandler with the ws client", () => {
  it("echoes text and binary messages and passes path arguments to open", async () => {
    await fx.serve([["/echo/([a-z]+)", EchoHandler]]);
    const ws = await fx.wsClient("/echo/abc");
    ws.send("héllo");
    expect(await nextMessage(ws)).toEqual([Buffer.from("héllo"), false]);
    ws.send(Buffer.from([0, 1, 2, 255]));
    expect(await nextMessage(ws)).toEqual([Buffer.from([0, 1, 2, 255]), true]);
    const big = Buffer.alloc(200_000, 7);
    ws.send(big);
    expect((await nextMessage(ws))[0].equals(big)).toBe(true);
    expect(events[0]).toEqual(["open", "abc"]);
    expect(ws.extensions).toBe("");
  });

  it("reports the client's close code and reason and echoes the code", async () => {
    await fx.serve([["/", EchoHandler]]);
    const ws = await fx.wsClient("/");
    const closed = closeEvent(ws);
    ws.close(4001, "done");
    expect(await closed).toEqual([4001, ""]);
    await until(() => events.some((e) => e[0] === "close"));
    expect(events.find((e) => e[0] === "close")).toEqual(["close", 4001, "done"]);
  });

  it("closes with the handler's code and reason", async () => {
    await fx.serve([["/", EchoHandler]]);
    const ws = await fx.wsClient("/");
    const closed = closeEvent(ws);
    await until(() => handlers.length === 1);
    handlers[0].close(4000, "bye");
    expect(await closed).toEqual([4000, "bye"]);
    await until(() => events.some((e) => e[0] === "close"));
    expect(events.at(-1)).toEqual(["close", 4000, "bye"]);
    await expect(handlers[0].writeMessage("late")).rejects.toBeInstanceOf(WebSocketClosedError);
  });

  it("reassembles fragmented messages with control frames in between", async () => {
    await fx.serve([["/", EchoHandler]]);
    const ws = await fx.wsClient("/");
    ws.send("frag", { fin: false });
    ws.ping("p");
    ws.send("men", { fin: false });
    ws.send("ted", { fin: true });
    expect((await nextMessage(ws))[0].toString()).toBe("fragmented");
    expect(events.filter((e) => e[0] === "ping")).toEqual([["ping", "p"]]);
  });

  it("negotiates permessage-deflate and echoes compressed messages", async () => {
    await fx.serve([["/", CompressedEcho]]);
    const ws = await fx.wsClient("/", { perMessageDeflate: { threshold: 0 } });
    expect(ws.extensions).toMatch(/permessage-deflate/);
    const text = "compress me ".repeat(1000);
    for (let i = 0; i < 3; i++) {
      ws.send(text);
      expect((await nextMessage(ws))[0].toString()).toBe(text);
    }
    const bin = Buffer.alloc(100_000, 3);
    ws.send(bin, { compress: true });
    expect((await nextMessage(ws))[0].equals(bin)).toBe(true);
    ws.send("tiny", { compress: false });
    expect((await nextMessage(ws))[0].toString()).toBe("tiny");
  });

  it("honours no_context_takeover and window bits requested by the client", async () => {
    await fx.serve([["/", CompressedEcho]]);
    let agreed = "";
    const ws = new WebSocket(fx.url("/"), {
      perMessageDeflate: {
        threshold: 0,
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
        serverMaxWindowBits: 10,
      },
    });
    fx.onDispose(() => ws.terminate());
    ws.on("upgrade", (res) => {
      agreed = String(res.headers["sec-websocket-extensions"]);
    });
    await within(new Promise((r) => ws.once("open", r)));
    expect(agreed).toBe(
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10",
    );
    for (let i = 0; i < 3; i++) {
      ws.send(`message ${i} `.repeat(500));
      expect((await nextMessage(ws))[0].toString()).toBe(`message ${i} `.repeat(500));
    }
  });

  it("declines compression when the handler does not enable it", async () => {
    await fx.serve([["/", EchoHandler]]);
    const ws = await fx.wsClient("/", { perMessageDeflate: true });
    expect(ws.extensions).toBe("");
    ws.send("x".repeat(5000));
    expect((await nextMessage(ws))[0].length).toBe(5000);
  });

  it("selects a subprotocol", async () => {
    class Proto extends EchoHandler {
      override selectSubprotocol(offered: string[]) {
        events.push(["offered", ...offered]);
        return offered.includes("b") ? "b" : null;
      }
    }
    await fx.serve([["/", Proto]]);
    const ws = await fx.wsClient("/", {}, ["a", "b"]);
    expect(ws.protocol).toBe("b");
    expect(events[0]).toEqual(["offered", "a", "b"]);
  });

  it("answers pings and sends periodic pings whose pongs reach onPong", async () => {
    await fx.serve([["/", EchoHandler]], { websocketPingIntervalMs: 30 });
    const ws = await fx.wsClient("/");
    const pong = within(new Promise((r) => ws.once("pong", (d: Buffer) => r(d.toString()))), 2000);
    ws.ping("hi");
    expect(await pong).toBe("hi");
    await until(() => events.filter((e) => e[0] === "pong").length >= 2, 2000, "two pongs");
  });

  it("closes a connection whose pings go unanswered within pingTimeoutMs", async () => {
    await fx.serve([["/", EchoHandler]], {
      websocketPingIntervalMs: 30,
      websocketPingTimeoutMs: 60,
    });
    const s = await fx.raw();
    s.write(upgradeRequest("/", fx.port));
    // Never answers: the server must hang up (readRaw resolves only when it does).
    const bytes = await readRaw(s, () => false, 10_000);
    const { frames } = serverFrames(bytes);
    expect(frames.some((f) => f[0] === 9)).toBe(true);
    await until(() => events.some((e) => e[0] === "close"));
  });

  it("closes with 1009 when a message exceeds maxMessageSize", async () => {
    await fx.serve([["/", EchoHandler]], { websocketMaxMessageSize: 1000 });
    const ws = await fx.wsClient("/");
    const closed = closeEvent(ws);
    ws.send("y".repeat(1001));
    expect((await closed)[0]).toBe(1009);
    expect(events.filter((e) => e[0] === "message")).toEqual([]);
  });

  it("closes with 1009 when fragments add up beyond maxMessageSize", async () => {
    await fx.serve([["/", EchoHandler]], { websocketMaxMessageSize: 1000 });
    const ws = await fx.wsClient("/");
    const closed = closeEvent(ws);
    ws.send("y".repeat(600), { fin: false });
    ws.send("y".repeat(600), { fin: true });
    expect((await closed)[0]).toBe(1009);
  });

  it("closes with 1009 when a compressed message inflates beyond maxMessageSize", async () => {
    await fx.serve([["/", CompressedEcho]], { websocketMaxMessageSize: 10_000 });
    const ws = await fx.wsClient("/", { perMessageDeflate: { threshold: 0 } });
    const closed = closeEvent(ws);
    ws.send("z".repeat(50_000));
    expect((await closed)[0]).toBe(1009);
  });

  it("runs async onMessage handlers one message at a time, in order", async () => {
    let active = 0;
    let maxActive = 0;
    class Slow extends WebSocketHandler {
      override async onMessage(message: string | Buffer) {
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(5);
        events.push(["m", message]);
        active--;
        await this.writeMessage(message);
      }
    }
    await fx.serve([["/", Slow]]);
    const ws = await fx.wsClient("/");
    for (let i = 0; i < 10; i++) ws.send(String(i));
    const got: string[] = [];
    for (let i = 0; i < 10; i++) got.push((await nextMessage(ws))[0].toString());
    expect(got).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect(maxActive).toBe(1);
  });

  it("serves 200 concurrent connections", async () => {
    await fx.serve([["/", EchoHandler]]);
    const clients = await Promise.all(Array.from({ length: 200 }, () => fx.wsClient("/")));
    const results = await Promise.all(
      clients.map(async (ws, i) => {
        const got: string[] = [];
        const done = new Promise<void>((resolve) => {
          ws.on("message", (d: Buffer) => {
            got.push(d.toString());
            if (got.length === 5) resolve();
          });
        });
        for (let k = 0; k < 5; k++) ws.send(`${i}:${k}`);
        await within(done, 10_000, `client ${i}`);
        return got;
      }),
    );
    results.forEach((got, i) => {
      expect(got).toEqual([0, 1, 2, 3, 4].map((k) => `${i}:${k}`));
    });
    expect(handlers).toHaveLength(200);
  });

  it("applies backpressure to a slow consumer: writes resolve only as the peer reads", async () => {
    await fx.serve([["/", EchoHandler]]);
    const s = await fx.raw();
    s.write(upgradeRequest("/", fx.port));
    await until(() => handlers.length === 1);
    await sleep(20);
    s.pause();
    const chunk = Buffer.alloc(64 * 1024, 1);
    let resolved = 0;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      writes.push(handlers[0].writeMessage(chunk).then(() => void resolved++));
    }
    await sleep(100);
    // 12.5 MiB cannot all sit in loopback socket buffers while nobody reads.
    expect(resolved).toBeLessThan(200);
    let received = 0;
    s.on("data", (d: Buffer) => {
      received += d.length;
    });
    s.resume();
    await within(Promise.all(writes), 10_000, "all writes");
    expect(resolved).toBe(200);
    await until(() => received >= 200 * chunk.length, 5000, "all bytes");
  });
});

describe("WebSocketHandler protocol errors on raw sockets", () => {
  beforeEach(async () => {
    await fx.serve([["/", EchoHandler]]);
  });

  it("accepts a frame sent in the same packet as the handshake", async () => {
    const s = await fx.raw();
    const reading = readRaw(s, (b) => serverFrames(b).frames.length > 0);
    s.write(
      Buffer.concat([
        Buffer.from(upgradeRequest("/", fx.port)),
        encodeFrame(1, "early", true, false, true),
      ]),
    );
    const bytes = await reading;
    expect(bytes.toString("latin1")).toMatch(/^HTTP\/1\.1 101 Switching Protocols\r\n/);
    expect(bytes.toString("latin1")).toMatch(
      /Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK\+xOo=\r\n/i,
    );
    expect(serverFrames(bytes).frames[0][1].toString()).toBe("early");
  });

  it.each([
    ["an unmasked frame", encodeFrame(1, "x", true, false, false), 1002],
    ["RSV1 without compression", Buffer.from([0xc1, 0x80, 0, 0, 0, 0]), 1002],
    ["a reserved opcode", Buffer.from([0x83, 0x80, 0, 0, 0, 0]), 1002],
    ["invalid UTF-8", encodeFrame(1, Buffer.from([0x61, 0xc3, 0x28]), true, false, true), 1007],
    [
      "a close code that may not be sent",
      encodeFrame(8, Buffer.from([0x03, 0xed]), true, false, true),
      1002,
    ],
    ["a 1-byte close payload", encodeFrame(8, Buffer.from([0x03]), true, false, true), 1002],
  ])("closes with the right code on %s", async (_name, frame, code) => {
    const bytes = await rawSession("/", [frame]);
    const { frames } = serverFrames(bytes);
    expect(closeCodeOf(frames)).toBe(code);
    expect(events.filter((e) => e[0] === "message")).toEqual([]);
  });

  it("closes with 1007 on invalid UTF-8 split across fragments", async () => {
    // "€" is e2 82 ac; send e2 82 | 28 (invalid continuation) in the next fragment.
    const bytes = await rawSession("/", [
      encodeFrame(1, Buffer.from([0x61, 0xe2, 0x82]), false, false, true),
      encodeFrame(0, Buffer.from([0x28]), true, false, true),
    ]);
    expect(closeCodeOf(serverFrames(bytes).frames)).toBe(1007);
  });

  it("accepts a UTF-8 sequence split across fragments", async () => {
    const s = await fx.raw();
    s.write(upgradeRequest("/", fx.port));
    const reading = readRaw(s, (b) => serverFrames(b).frames.length > 0);
    await sleep(20);
    s.write(encodeFrame(1, Buffer.from([0x61, 0xe2, 0x82]), false, false, true));
    s.write(encodeFrame(0, Buffer.from([0xac]), true, false, true));
    expect(serverFrames(await reading).frames[0][1].toString()).toBe("a€");
  });

  it("answers a close without status with an empty close and reports no code", async () => {
    const bytes = await rawSession("/", [encodeFrame(8, Buffer.alloc(0), true, false, true)]);
    const close = serverFrames(bytes).frames.find((f) => f[0] === 8);
    expect(close?.[1].length).toBe(0);
    await until(() => events.some((e) => e[0] === "close"));
    expect(events.at(-1)).toEqual(["close", null, null]);
  });

  it("survives random garbage after the handshake without crashing", async () => {
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff));
    const bytes = await rawSession("/", [garbage]);
    expect(closeCodeOf(serverFrames(bytes).frames)).toBeGreaterThanOrEqual(1002);
  });
});

describe("WebSocketHandler handshake refusals", () => {
  beforeEach(async () => {
    await fx.serve([["/", EchoHandler]]);
  });

  async function answer(extra: Record<string, string>, omit: string[] = []): Promise<string> {
    const s: Socket = await fx.raw();
    const reading = readRaw(s, (b) => b.includes("\r\n\r\n"));
    s.write(upgradeRequest("/", fx.port, extra, omit));
    return (await reading).toString("latin1");
  }

  it("answers 400 to a request without Sec-WebSocket-Key", async () => {
    expect(await answer({}, ["Sec-WebSocket-Key"])).toMatch(/^HTTP\/1\.1 400 /);
    fx.logger.expect("warn", /400/);
  });

  it("answers 426 with Sec-WebSocket-Version: 13 to another version", async () => {
    const head = await answer({ "Sec-WebSocket-Version": "8" });
    expect(head).toMatch(/^HTTP\/1\.1 426 /);
    expect(head).toMatch(/\r\nSec-WebSocket-Version: 13\r\n/i);
    fx.logger.expect("warn", /426/);
  });

  it("answers 400 when Upgrade is not websocket", async () => {
    expect(await answer({ Upgrade: "h2c" })).toMatch(/^HTTP\/1\.1 400 /);
    fx.logger.expect("warn", /400/);
  });

  it("answers 403 to a cross-origin request and accepts the same origin", async () => {
    expect(await answer({ Origin: "http://evil.example" })).toMatch(/^HTTP\/1\.1 403 /);
    fx.logger.expect("warn", /403/);
    expect(await answer({ Origin: `http://127.0.0.1:${fx.port}` })).toMatch(/^HTTP\/1\.1 101 /);
  });

  it("rejects the ws client on a refused handshake", async () => {
    const ws = new WebSocket(fx.url("/"), { origin: "http://other.example" });
    fx.onDispose(() => ws.terminate());
    const status = await within(
      new Promise<number>((resolve) => {
        ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        ws.on("error", () => {});
      }),
    );
    expect(status).toBe(403);
    fx.logger.expect("warn", /403/);
  });
});
