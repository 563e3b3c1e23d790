// The connection on the stream's protocol core: output backpressure stops input, deadlines run on one sweep.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { encodeFrame, FrameParser, WebSocketHandler, websocketConnect } from "../src/index.js";
import { readRaw, until, upgradeRequest, WsFixture, within } from "./helpers.js";

let fx: WsFixture;
let handlers: Recorder[];

beforeEach(() => {
  fx = new WsFixture();
  handlers = [];
});

afterEach(async () => {
  await fx.dispose();
  expect(fx.logger.unexpected()).toEqual([]);
});

/** Records what the server side saw, with the loop's clock. */
class Recorder extends WebSocketHandler {
  received = 0;
  openedAtMs = 0;
  pongAtMs = -1;
  closedAtMs = -1;
  maxBuffered = 0;
  override open() {
    this.openedAtMs = fx.loop.time();
    handlers.push(this);
  }
  override onPong() {
    if (this.pongAtMs === -1) this.pongAtMs = fx.loop.time();
  }
  override onClose() {
    this.closedAtMs = fx.loop.time();
  }
}

const ANSWER_BYTES = 1024 * 1024;
const REQUESTS = 48;

/** Answers every message with 1 MiB, without waiting for it to be sent. */
class BigAnswer extends Recorder {
  override onMessage() {
    this.received++;
    void this.writeMessage(Buffer.alloc(ANSWER_BYTES, this.received & 0xff));
    this.maxBuffered = Math.max(this.maxBuffered, this.bufferedAmount);
  }
}

describe("output backpressure (writeHighWaterMark)", () => {
  it("with websocketWriteHighWaterMark, a peer that stops reading our frames stops being read; it gets every answer once it reads", async () => {
    await fx.serve([["/", BigAnswer]], { websocketWriteHighWaterMark: 64 * 1024 });
    const ws: WebSocket = await fx.wsClient("/");
    await until(() => handlers.length === 1, 5000, "handler open");
    const h = handlers[0];
    const stream = h.wsConnection?.stream;
    if (stream === undefined) throw new Error("no connection");
    ws.pause(); // reads nothing from now on
    // 48 requests asking for 48 MiB: more than the kernel's buffers and the 16 MiB cap together.
    // A server that went on reading would queue it all and fail the connection with 1008.
    for (let i = 0; i < REQUESTS; i++) ws.send(`request ${i}`);
    await until(
      () => stream.writeBlocked,
      20_000,
      "the server's write queue at its high-water mark",
    );
    // Blocked: the consumer is offered nothing until the peer reads.
    expect(h.received).toBeGreaterThan(0);
    expect(h.received).toBeLessThan(REQUESTS);
    const answers: Buffer[] = [];
    let closed = false;
    ws.on("message", (data: Buffer) => answers.push(data));
    ws.on("close", () => {
      closed = true;
    });
    ws.resume();
    await until(() => answers.length === REQUESTS || closed, 30_000, "every answer");
    expect(closed).toBe(false);
    expect(h.received).toBe(REQUESTS);
    for (let i = 0; i < REQUESTS; i++) {
      expect(answers[i].length).toBe(ANSWER_BYTES);
      expect(answers[i][0]).toBe((i + 1) & 0xff);
    }
    // One answer in the kernel's way, one beyond the 64 KiB mark at most: never the cap.
    expect(h.maxBuffered).toBeLessThan(4 * ANSWER_BYTES);
  });

  it("by default (full duplex) a connection goes on reading a peer that does not read yet", async () => {
    await fx.serve([["/", BigAnswer]]);
    const ws: WebSocket = await fx.wsClient("/");
    await until(() => handlers.length === 1, 5000, "handler open");
    const h = handlers[0];
    ws.pause();
    // 8 MiB of answers: under the 16 MiB cap, far above the 64 KiB an HTTP server would allow.
    for (let i = 0; i < 8; i++) ws.send(`request ${i}`);
    await until(() => h.received === 8, 20_000, "every request read while the peer reads nothing");
    expect(h.wsConnection?.stream.writeBlocked).toBe(false);
    const answers: Buffer[] = [];
    ws.on("message", (data: Buffer) => answers.push(data));
    ws.resume();
    await until(() => answers.length === 8, 30_000, "every answer");
  });

  it("refuses a writeHighWaterMark that is not an integer >= 1 or Infinity", async () => {
    await fx.serve([["/", BigAnswer]]);
    await expect(websocketConnect(fx.url("/"), { writeHighWaterMark: 0 })).rejects.toThrow(
      /writeHighWaterMark/,
    );
    await expect(websocketConnect(fx.url("/"), { writeHighWaterMark: 1.5 })).rejects.toThrow(
      RangeError,
    );
  });
});

/** Echoes every message, and copies it to the other open connection when there is one. */
class EchoAndCopy extends Recorder {
  override onMessage(message: string | Buffer) {
    this.received++;
    void this.writeMessage(message);
    const other = handlers.find((h) => h !== this);
    if (other !== undefined) void other.writeMessage(message);
  }
}

/** The frames a server sent on a raw socket, after the 101 head: [opcode, payload]. */
function framesAfterHead(bytes: Buffer): [number, Buffer][] {
  const frames: [number, Buffer][] = [];
  const parser = new FrameParser(
    {
      onFrame: (op, _fin, _rsv1, payload) => frames.push([op, payload]),
      onProtocolError: (err) => {
        throw err;
      },
    },
    { expectMasked: false, maxMessageSize: 1 << 24, allowRsv1: false },
  );
  const head = bytes.indexOf("\r\n\r\n");
  parser.execute(bytes, head + 4, bytes.length);
  return frames;
}

describe("the answers to one batch of input", () => {
  it("keep their order across pieces, large frames, pongs and writes to another connection", async () => {
    await fx.serve([["/", EchoAndCopy]]);
    const other: WebSocket = await fx.wsClient("/");
    const copies: string[] = [];
    const show = (data: Buffer, binary: boolean) =>
      binary ? `binary ${data.length} ${data[0]}-${data[data.length - 1]}` : data.toString();
    other.on("message", (data: Buffer, binary: boolean) => copies.push(show(data, binary)));
    await until(() => handlers.length === 1, 5000, "first open");
    const s = await fx.raw();
    s.write(upgradeRequest("/", fx.port));
    await until(() => handlers.length === 2, 5000, "second open");
    // One packet: 1500 small messages (several slabs' worth of frames), a text message too big to
    // be gathered, binary ones sent by reference behind their header, small binary ones and a
    // ping in the middle.
    const sent: string[] = [];
    const frames: Buffer[] = [];
    for (let i = 0; i < 1500; i++) {
      if (i % 250 === 1 || i % 250 === 2) {
        const bytes = Buffer.alloc(i % 250 === 1 ? 5000 + i : 100, i & 0xff);
        bytes[bytes.length - 1] = 7;
        sent.push(show(bytes, true));
        frames.push(encodeFrame(2, bytes, true, false, true));
        continue;
      }
      const text = i === 700 ? `big ${"x".repeat(3000)}` : `message ${i}`;
      sent.push(text);
      frames.push(encodeFrame(1, text, true, false, true));
      if (i === 900) frames.push(encodeFrame(9, "mid", true, false, true));
    }
    const bytes = readRaw(s, (b) => framesAfterHead(b).length >= 1501, 20_000);
    s.write(Buffer.concat(frames));
    const got = framesAfterHead(await bytes);
    const data = got.filter((f) => f[0] === 1 || f[0] === 2).map((f) => show(f[1], f[0] === 2));
    expect(data).toEqual(sent);
    const pongAt = got.findIndex((f) => f[0] === 10);
    expect(got[pongAt][1].toString()).toBe("mid");
    // The pong answers a ping that came after message 900: it leaves after that message's echo.
    expect(got.slice(0, pongAt).filter((f) => f[0] === 1 || f[0] === 2)).toHaveLength(901);
    await until(() => copies.length === 1500, 20_000, "the copies");
    expect(copies).toEqual(sent);
  });
});

describe("the shared slab of small frames", () => {
  it("is not written over while a connection that does not read still queues pieces of it", async () => {
    await fx.serve([["/", EchoAndCopy]]);
    // The first connection reads nothing for a while: its copies wait in its queue.
    const stalled = await fx.raw();
    stalled.pause();
    stalled.write(upgradeRequest("/", fx.port));
    await until(() => handlers.length === 1, 5000, "first open");
    const talker: WebSocket = await fx.wsClient("/");
    await until(() => handlers.length === 2, 5000, "second open");
    let echoes = 0;
    talker.on("message", () => echoes++);
    const count = 4000; // 4000 × ~1.9 KB: more than the kernel's buffers take, many slabs
    const sent: string[] = [];
    for (let i = 0; i < count; i++) {
      const text = `${i} ${String.fromCharCode(97 + (i % 26)).repeat(1900)}`;
      sent.push(text);
      talker.send(text);
    }
    await until(() => echoes === count, 30_000, "the echoes");
    const stream = handlers[0].wsConnection?.stream;
    expect(stream?.writing()).toBe(true); // copies still wait for the stalled reader
    const bytes = readRaw(stalled, (b) => framesAfterHead(b).length >= count, 30_000);
    stalled.resume();
    const got = framesAfterHead(await bytes).map((f) => f[1].toString());
    expect(got).toEqual(sent);
  });
});

describe("deadlines on the loop's connection sweeper", () => {
  it("the pings of many connections run on one periodic sweep, not a timer each", async () => {
    await fx.serve([["/", Recorder]], { websocketPingIntervalMs: 60_000 });
    await fx.wsClient("/");
    await until(() => handlers.length === 1, 5000, "first open");
    const withOne = fx.loop.pendingCount;
    await Promise.all(Array.from({ length: 30 }, () => fx.wsClient("/")));
    await until(() => handlers.length === 31, 5000, "all open");
    // A timer per connection would add 30 (60 with ping timeouts); the sweep is one.
    expect(fx.loop.pendingCount).toBeLessThan(withOne + 5);
  });

  it("a ping is never sent before pingIntervalMs, and its pong arrives", async () => {
    const intervalMs = 200;
    await fx.serve([["/", Recorder]], { websocketPingIntervalMs: intervalMs });
    await fx.wsClient("/");
    await until(() => handlers.length === 1, 5000, "open");
    const h = handlers[0];
    await until(() => h.pongAtMs !== -1, 10_000, "a pong");
    // open() ran before the connection started its interval, and the pong came after the ping.
    expect(h.pongAtMs - h.openedAtMs).toBeGreaterThanOrEqual(intervalMs);
  });

  it("closes the connection closeTimeoutMs after our close frame when the peer never answers, not before", async () => {
    const closeTimeoutMs = 300;
    await fx.serve([["/", Recorder]], { websocketCloseTimeoutMs: closeTimeoutMs });
    const s = await fx.raw();
    s.write(upgradeRequest("/", fx.port));
    await until(() => handlers.length === 1, 5000, "open");
    const rest = readRaw(s, () => false, 20_000); // until the server hangs up
    const h = handlers[0];
    const closedAt = fx.loop.time();
    h.close(4000, "bye");
    const bytes = await rest;
    expect(bytes.includes(Buffer.from([0x88, 5, 0x0f, 0xa0]))).toBe(true); // 4000 "bye"
    await until(() => h.closedAtMs !== -1, 5000, "onClose");
    expect(h.closedAtMs - closedAt).toBeGreaterThanOrEqual(closeTimeoutMs);
  });

  it("a peer that answers the close is not kept waiting for the deadline", async () => {
    await fx.serve([["/", Recorder]], { websocketCloseTimeoutMs: 10 * 60 * 1000 });
    const s = await fx.raw();
    s.write(upgradeRequest("/", fx.port));
    await until(() => handlers.length === 1, 5000, "open");
    const closeFrame = Buffer.from([0x88, 2, 0x03, 0xe8]);
    const untilCloseFrame = readRaw(s, (b) => b.includes(closeFrame), 5000);
    const rest = readRaw(s, () => false, 20_000);
    handlers[0].close();
    expect((await untilCloseFrame).includes(closeFrame)).toBe(true);
    s.write(encodeFrame(8, Buffer.from([0x03, 0xe8]), true, false, true));
    await within(rest, 20_000, "server hang-up long before the 10-minute deadline");
    await until(() => handlers[0].closedAtMs !== -1, 5000, "onClose");
  });
});
