// Resource bounds against hostile or stalled peers: tiny fragments, the outgoing cap, ping floods
// and prompt closing (RFC 6455 §7.1.1, §7.1.7), on raw sockets to a real server on 127.0.0.1.

import { createServer, type Server, type Socket } from "node:net";
import * as zlib from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  computeAcceptKey,
  encodeFrame,
  FrameParser,
  WebSocketBufferFullError,
  WebSocketClosedError,
  WebSocketHandler,
  websocketConnect,
} from "../src/index.js";
import { until, upgradeRequest, WsFixture, within } from "./helpers.js";

const gc = (globalThis as { gc?: () => void }).gc;

let fx: WsFixture;
let handlers: Recorder[];
let messages: (string | Buffer)[];

beforeEach(() => {
  fx = new WsFixture();
  handlers = [];
  messages = [];
});

afterEach(async () => {
  await fx.dispose();
  expect(fx.logger.unexpected()).toEqual([]);
});

class Recorder extends WebSocketHandler {
  pings = 0;
  closed = false;
  override open() {
    handlers.push(this);
  }
  override onMessage(message: string | Buffer) {
    messages.push(message);
  }
  override onPing() {
    this.pings++;
  }
  override onClose() {
    this.closed = true;
  }
}

class CompressedRecorder extends Recorder {
  override getCompressionOptions() {
    return { threshold: 0 };
  }
}

/** Echoes without awaiting the (compressed, hence asynchronous) write. */
class FireAndForgetEcho extends CompressedRecorder {
  override onMessage(message: string | Buffer) {
    messages.push(message);
    void this.writeMessage(message).catch(() => {});
  }
}

/** A client on a raw socket: sends bytes, parses the server's frames, notices the hang-up. */
class RawPeer {
  /** [opcode, rsv1, payload] of every frame received. */
  readonly frames: [number, boolean, Buffer][] = [];
  /** Resolves when the server closed the TCP connection (FIN or RST). */
  readonly ended: Promise<void>;
  hungUp = false;
  private headDone = false;
  private pending = Buffer.alloc(0);
  private readonly parser = new FrameParser(
    {
      onFrame: (op, _fin, rsv1, payload) => this.frames.push([op, rsv1, payload]),
      onProtocolError: (err) => {
        throw err;
      },
    },
    { expectMasked: false, maxMessageSize: 1 << 26, allowRsv1: true },
  );

  private constructor(readonly socket: Socket) {
    this.ended = new Promise((resolve) => {
      const done = () => {
        this.hungUp = true;
        resolve();
      };
      socket.once("end", done);
      socket.once("close", done);
    });
    socket.on("error", () => {});
    socket.on("data", (d: Buffer) => this.onData(d));
  }

  /** Connect and complete the opening handshake on `path`. */
  static async open(path: string, extra: Record<string, string> = {}): Promise<RawPeer> {
    const socket = await fx.raw();
    const peer = new RawPeer(socket);
    socket.write(upgradeRequest(path, fx.port, extra));
    await until(() => peer.headDone, 5000, "101 response");
    await until(() => handlers.length > 0, 5000, "handler open");
    return peer;
  }

  private onData(d: Buffer): void {
    let buf = this.pending.length === 0 ? d : Buffer.concat([this.pending, d]);
    if (!this.headDone) {
      const end = buf.indexOf("\r\n\r\n");
      if (end === -1) {
        this.pending = buf;
        return;
      }
      expect(buf.toString("latin1", 0, 12)).toBe("HTTP/1.1 101");
      this.headDone = true;
      buf = buf.subarray(end + 4);
    }
    const used = this.parser.execute(buf, 0, buf.length);
    this.pending = Buffer.from(buf.subarray(used));
  }

  /** The close code of the server's close frame (null without status, undefined if none). */
  closeCode(): number | null | undefined {
    const close = this.frames.find((f) => f[0] === 8);
    if (close === undefined) return undefined;
    return close[2].length < 2 ? null : close[2].readUInt16BE(0);
  }

  /** Wait until a frame matching `pred` arrived. */
  waitFrame(pred: (f: [number, boolean, Buffer]) => boolean, ms = 20_000, what = "frame") {
    return until(() => this.frames.some(pred), ms, what);
  }
}

/** A masked client frame with an all-zero key (so the payload goes out as is). */
function clientFrame(b0: number, payload: Buffer): Buffer {
  if (payload.length > 125) return encodeFrame(b0 & 0x0f, payload, (b0 & 0x80) !== 0, false, true);
  const f = Buffer.alloc(6 + payload.length);
  f[0] = b0;
  f[1] = 0x80 | payload.length;
  payload.copy(f, 6);
  return f;
}

/** `count` masked one-byte frames: the first with `firstB0`, the rest non-final continuations. */
function oneByteFragments(firstB0: number, data: Buffer): Buffer {
  const out = Buffer.alloc(data.length * 7);
  for (let i = 0; i < data.length; i++) {
    const o = i * 7;
    out[o] = i === 0 ? firstB0 : 0x00;
    out[o + 1] = 0x81;
    out[o + 6] = data[i];
  }
  return out;
}

/** Deterministic bytes that deflate cannot shrink. */
function noise(n: number): Buffer {
  const b = Buffer.alloc(n);
  let x = 0x12345678;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

function heapUsed(): number {
  if (gc === undefined) throw new Error("run with --expose-gc (see vitest.config.ts)");
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Send a ping and wait for its pong: everything sent before it has been parsed by then. */
async function sync(peer: RawPeer, tag: string): Promise<void> {
  peer.socket.write(clientFrame(0x89, Buffer.from(tag)));
  await peer.waitFrame((f) => f[0] === 10 && f[2].toString() === tag, 20_000, `pong ${tag}`);
}

const FRAGMENTS = 200_000;
/** Heap growth allowed while 200 000 fragments are pending (one object each would be ~20 MB). */
const HEAP_MARGIN = 6 * 1024 * 1024;

describe("fragmented messages", () => {
  it("holds 200 000 one-byte continuation frames in one buffer: the heap stays flat", async () => {
    await fx.serve([["/", Recorder]]);
    const peer = await RawPeer.open("/");
    const data = noise(FRAGMENTS + 1);
    const before = heapUsed();
    peer.socket.write(oneByteFragments(0x02, data.subarray(0, FRAGMENTS)));
    await sync(peer, "all-fragments");
    const grown = heapUsed() - before;
    expect(grown).toBeLessThan(HEAP_MARGIN);
    peer.socket.write(clientFrame(0x80, data.subarray(FRAGMENTS)));
    await until(() => messages.length === 1, 20_000, "message");
    expect(Buffer.isBuffer(messages[0])).toBe(true);
    expect((messages[0] as Buffer).equals(data)).toBe(true);
  });

  it("holds a compressed message's one-byte fragments in one buffer too", async () => {
    await fx.serve([["/", CompressedRecorder]]);
    const peer = await RawPeer.open("/", { "Sec-WebSocket-Extensions": "permessage-deflate" });
    const original = noise(FRAGMENTS);
    const full = zlib.deflateRawSync(original, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const compressed = full.subarray(0, full.length - 4); // strip 00 00 ff ff (RFC 7692 §7.2.1)
    expect(compressed.length).toBeGreaterThan(FRAGMENTS);
    const before = heapUsed();
    // FIN=0, RSV1, binary; then continuations.
    peer.socket.write(oneByteFragments(0x42, compressed.subarray(0, compressed.length - 1)));
    await sync(peer, "all-compressed-fragments");
    const grown = heapUsed() - before;
    expect(grown).toBeLessThan(HEAP_MARGIN);
    peer.socket.write(clientFrame(0x80, compressed.subarray(compressed.length - 1)));
    await until(() => messages.length === 1, 20_000, "message");
    expect((messages[0] as Buffer).equals(original)).toBe(true);
  });

  it("closes with 1009 when a message has more than maxFragmentsPerMessage fragments", async () => {
    await fx.serve([["/", Recorder]], { websocketMaxFragmentsPerMessage: 10 });
    const ok = await RawPeer.open("/");
    ok.socket.write(oneByteFragments(0x01, Buffer.from("abcdefghi")));
    ok.socket.write(clientFrame(0x80, Buffer.from("j")));
    await until(() => messages.length === 1, 20_000, "10-fragment message");
    expect(messages[0]).toBe("abcdefghij");

    const bad = await RawPeer.open("/");
    bad.socket.write(oneByteFragments(0x01, Buffer.from("abcdefghij")));
    bad.socket.write(clientFrame(0x80, Buffer.from("k")));
    await within(bad.ended, 20_000, "server hang-up");
    expect(bad.closeCode()).toBe(1009);
    expect(messages).toHaveLength(1);
  });

  it("refuses invalid fragment and write-buffer limits with a RangeError", async () => {
    await fx.serve([["/", Recorder]]);
    await expect(websocketConnect(fx.url("/"), { maxFragmentsPerMessage: 0 })).rejects.toThrow(
      RangeError,
    );
    await expect(websocketConnect(fx.url("/"), { maxWriteBufferSize: 1.5 })).rejects.toThrow(
      RangeError,
    );
    await expect(websocketConnect(fx.url("/"), { maxWriteBufferSize: -1 })).rejects.toThrow(
      /maxWriteBufferSize/,
    );
  });
});

describe("outgoing bytes to a peer that does not read", () => {
  it("fails the connection at the default 16 MiB cap and rejects the write with T_ERR_WS_BUFFER_FULL", async () => {
    await fx.serve([["/", Recorder]]);
    const peer = await RawPeer.open("/");
    peer.socket.pause(); // never reads again
    const h = handlers[0];
    const chunk = Buffer.alloc(64 * 1024, 7);
    const results: Promise<unknown>[] = [];
    let maxBuffered = 0;
    for (let i = 0; i < 512; i++) {
      // 32 MiB in all: more than the kernel's socket buffers and the cap together.
      results.push(
        h.writeMessage(chunk).then(
          () => "ok",
          (err: unknown) => err,
        ),
      );
      maxBuffered = Math.max(maxBuffered, h.bufferedAmount);
    }
    expect(maxBuffered).toBeLessThanOrEqual(16 * 1024 * 1024);
    const outcomes = await within(Promise.all(results), 20_000, "writes settle");
    const full = outcomes.filter((o) => o instanceof WebSocketBufferFullError);
    expect(full).toHaveLength(1);
    expect((full[0] as WebSocketBufferFullError).code).toBe("T_ERR_WS_BUFFER_FULL");
    const afterFull = outcomes.slice(outcomes.indexOf(full[0]) + 1);
    expect(afterFull.length).toBeGreaterThan(0);
    expect(afterFull.every((o) => o instanceof WebSocketClosedError)).toBe(true);
    // The close frame cannot reach a peer that never reads: closeTimeoutMs (5 s) ends it.
    await until(() => h.closed, 20_000, "server closed the connection");
    peer.socket.resume(); // a paused socket sees no end
    await within(peer.ended, 20_000, "hang-up seen by the peer");
  });

  it("a peer that reads again after the cap gets the queued messages, close 1008, then FIN", async () => {
    await fx.serve([["/", Recorder]], {
      websocketMaxWriteBufferSize: 4 * 1024 * 1024,
      websocketCloseTimeoutMs: 10 * 60 * 1000,
    });
    const peer = await RawPeer.open("/");
    peer.socket.pause();
    const h = handlers[0];
    const chunk = Buffer.alloc(64 * 1024, 7);
    const results: Promise<unknown>[] = [];
    for (let i = 0; i < 512; i++) {
      results.push(
        h.writeMessage(chunk).then(
          () => "ok",
          (err: unknown) => err,
        ),
      );
    }
    const full = await within(
      Promise.race(results.map((p) => p.then((o) => (o === "ok" ? new Promise(() => {}) : o)))),
      20_000,
      "first refused write",
    );
    expect(full).toBeInstanceOf(WebSocketBufferFullError);
    peer.socket.resume();
    await within(peer.ended, 20_000, "hang-up after the close frame");
    const outcomes = await Promise.all(results);
    const sent = outcomes.filter((o) => o === "ok").length;
    expect(sent).toBeGreaterThan(0);
    expect(peer.frames.filter((f) => f[0] === 2)).toHaveLength(sent);
    expect(peer.closeCode()).toBe(1008);
    await until(() => h.closed, 5000, "onClose");
  });

  it("the client honours maxWriteBufferSize and reports bufferedAmount", async () => {
    // A server that completes the handshake and then never reads.
    const server: Server = createServer((s) => {
      let head = "";
      s.on("error", () => {});
      s.on("data", (d) => {
        head += d.toString("latin1");
        const key = /Sec-WebSocket-Key: (.*)\r\n/i.exec(head)?.[1];
        if (key === undefined || !head.includes("\r\n\r\n")) return;
        s.removeAllListeners("data");
        s.pause();
        s.write(
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            `Sec-WebSocket-Accept: ${computeAcceptKey(key.trim())}\r\n\r\n`,
        );
      });
    });
    const sockets: Socket[] = [];
    server.on("connection", (s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    fx.onDispose(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const port = (server.address() as { port: number }).port;
    const cap = 1024 * 1024;
    const c = await within(
      websocketConnect(`ws://127.0.0.1:${port}/`, { maxWriteBufferSize: cap, closeTimeoutMs: 50 }),
      5000,
      "connect",
    );
    fx.onDispose(() => c.protocol.abort());
    const chunk = Buffer.alloc(64 * 1024, 1);
    let failed: unknown = null;
    let maxBuffered = 0;
    for (let i = 0; i < 2000 && failed === null; i++) {
      // Well beyond the socket buffers: awaiting a tick lets a rejection surface.
      const p = c.writeMessage(chunk).catch((err: unknown) => {
        if (failed === null) failed = err; // later writes reject as closed
      });
      maxBuffered = Math.max(maxBuffered, c.bufferedAmount);
      if (i % 16 === 15) await Promise.race([p, new Promise((r) => setImmediate(r))]);
    }
    await until(() => failed !== null, 20_000, "a rejected write");
    expect(failed).toBeInstanceOf(WebSocketBufferFullError);
    expect(maxBuffered).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThanOrEqual(cap);
    await within(c.closed, 20_000, "client closed");
  });
});

describe("ping flood from a peer that does not read", () => {
  it("keeps the write queue bounded: pongs are coalesced, the last ping is answered", async () => {
    await fx.serve([["/", Recorder]]);
    const peer = await RawPeer.open("/");
    peer.socket.pause();
    const h = handlers[0];
    const stream = h.wsConnection?.stream;
    expect(stream).toBeDefined();
    const PINGS = 100_000;
    const pad = "x".repeat(117);
    const chunks: Buffer[] = [];
    for (let i = 0; i < PINGS; i++) {
      chunks.push(clientFrame(0x89, Buffer.from(`${String(i).padStart(8, "0")}${pad}`)));
    }
    let maxQueued = 0;
    const probe = setInterval(() => {
      maxQueued = Math.max(maxQueued, stream?.writeBufferSize ?? 0);
    }, 1);
    fx.onDispose(() => clearInterval(probe));
    peer.socket.write(Buffer.concat(chunks));
    await until(() => h.pings === PINGS, 30_000, "all pings parsed");
    clearInterval(probe);
    maxQueued = Math.max(maxQueued, stream?.writeBufferSize ?? 0);
    // 100 000 pongs are 12.7 MB; one read's worth (64 KiB of pings) of pongs may be queued.
    expect(maxQueued).toBeLessThan(512 * 1024);
    expect(h.bufferedAmount).toBeLessThan(512 * 1024);
    peer.socket.resume();
    const last = `${String(PINGS - 1).padStart(8, "0")}${pad}`;
    await peer.waitFrame((f) => f[0] === 10 && f[2].toString() === last, 20_000, "last pong");
    expect(peer.frames.filter((f) => f[0] === 10).length).toBeLessThan(PINGS);
  });
});

describe("closing promptly (RFC 6455 §7.1.1, §7.1.7)", () => {
  const settings = { websocketCloseTimeoutMs: 10 * 60 * 1000 };

  it("closes the TCP connection once the close frame is written after a protocol error", async () => {
    await fx.serve([["/", Recorder]], settings);
    const peer = await RawPeer.open("/");
    peer.socket.write(encodeFrame(1, "unmasked", true, false, false));
    await within(peer.ended, 20_000, "server hang-up after failing");
    expect(peer.closeCode()).toBe(1002);
    await until(() => handlers[0].closed, 5000, "onClose");
  });

  it("closes once the handshake completes when the peer started it, without waiting for its FIN", async () => {
    await fx.serve([["/", Recorder]], settings);
    const peer = await RawPeer.open("/");
    peer.socket.write(clientFrame(0x88, Buffer.from([0x03, 0xe8])));
    await within(peer.ended, 20_000, "server hang-up");
    expect(peer.closeCode()).toBe(1000);
  });

  it("closes once the peer answers a close the server started", async () => {
    await fx.serve([["/", Recorder]], settings);
    const peer = await RawPeer.open("/");
    handlers[0].close(4000, "bye");
    await peer.waitFrame((f) => f[0] === 8, 20_000, "server close frame");
    peer.socket.write(clientFrame(0x88, Buffer.from([0x0f, 0xa0])));
    await within(peer.ended, 20_000, "server hang-up");
    expect(peer.closeCode()).toBe(4000);
  });

  it("sends a pending compressed message and the close reply before hanging up", async () => {
    await fx.serve([["/", FireAndForgetEcho]], settings);
    const peer = await RawPeer.open("/", { "Sec-WebSocket-Extensions": "permessage-deflate" });
    // An uncompressed text message and a close in one packet: the echo is still compressing
    // when the close arrives.
    peer.socket.write(
      Buffer.concat([
        clientFrame(0x81, Buffer.from("echo me ".repeat(100))),
        clientFrame(0x88, Buffer.from([0x03, 0xe8])),
      ]),
    );
    await within(peer.ended, 20_000, "server hang-up");
    const text = peer.frames.find((f) => f[0] === 1);
    expect(text?.[1]).toBe(true); // RSV1: compressed
    const inflated = zlib.inflateRawSync(
      Buffer.concat([text?.[2] ?? Buffer.alloc(0), Buffer.from([0, 0, 0xff, 0xff])]),
      { finishFlush: zlib.constants.Z_SYNC_FLUSH },
    );
    expect(inflated.toString()).toBe("echo me ".repeat(100));
    expect(peer.closeCode()).toBe(1000);
  });
});
