// Backpressure against peers that do not read: replies never pile up without bound, and bytes
// sent behind a hello that awaits its verdict stay in the kernel, not in the server's memory.

import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { decode } from "@msgpack/msgpack";
import type { BaseIOStream, IOStream } from "@t/iostream";
import { tlsFixtures } from "@t-tools/testing";
import { describe, expect, it } from "vitest";
import { type RpcServer, WRITE_HIGH_WATER_MARK } from "../src/index.js";
import { frame, type RpcFixture, readMessage, until, useRpcFixture, within } from "./helpers.js";

const fx = useRpcFixture();

/** Read `n` frames from a raw stream; resolves with the decoded messages. */
async function readFrames(raw: IOStream, n: number): Promise<unknown[]> {
  const out: unknown[] = [];
  while (out.length < n) out.push(await readMessage(raw));
  return out;
}

/** `n` request frames for `method`, ids 2…n+1, with `args(i)` (none by default), in one buffer. */
function callFrames(n: number, method: string, args: (i: number) => unknown[] = () => []): Buffer {
  return Buffer.concat(Array.from({ length: n }, (_, i) => frame([0, i + 2, method, args(i)])));
}

/**
 * Options of a server whose `authenticate` waits for `release()`, and the stream it was given
 * (the read buffer is 256 KiB: far below what follows the hello, so the stream would close with
 * StreamBufferFullError if the server kept reading while the verdict is pending).
 */
function gatedAuth() {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const state: { captured: BaseIOStream | null; release: () => void } = {
    captured: null,
    release: () => release(),
  };
  const options = {
    maxBufferSize: 256 * 1024,
    authenticate: async (_hello: unknown, stream: BaseIOStream) => {
      state.captured = stream;
      await gate;
      return true;
    },
  };
  return { state, options };
}

describe("a peer that sends calls and never reads the replies", () => {
  it("stops being read once 64 KiB of replies wait, and gets every reply once it reads", async () => {
    const { server, port } = await fx.server();
    let handled = 0;
    const reply = "r".repeat(1024);
    server.register("kilo", () => {
      handled++;
      return reply;
    });
    const raw = await fx.raw(port);
    await raw.write(frame([3, 1, "flooder"]));
    expect(await readFrames(raw, 1)).toEqual([[1, 1, null, "flooder"]]);
    const conn = server.connection("flooder");
    if (conn === undefined) throw new Error("no connection for the flooder");

    // 30,000 calls (about 0.5 MB) whose replies would be 30 MB.
    const n = 30_000;
    const calls = callFrames(n, "kilo");
    const sent = raw.write(calls);
    sent.catch(() => {});
    await until(
      () => conn.readingPaused && conn.stream.writeBufferSize > WRITE_HIGH_WATER_MARK,
      20_000,
      "the server to pause reading behind its replies",
    );
    expect(handled).toBeLessThan(n);
    // One read window's replies past the mark at most, not the 30 MB the calls ask for.
    expect(conn.stream.writeBufferSize).toBeLessThan(8 * 1024 * 1024);

    const replies = await within(readFrames(raw, n), 60_000, "every reply");
    expect(handled).toBe(n);
    expect(replies.every((m) => (m as unknown[])[3] === reply)).toBe(true);
    expect(conn.readingPaused).toBe(false);
  });
});

describe("writeTimeoutMs", () => {
  it("closes a connection whose peer reads none of the queued replies", async () => {
    fx.expectLog(/no reply bytes reached the peer for 300 ms/);
    const { server, port } = await fx.server({ writeTimeoutMs: 300 });
    const reply = "r".repeat(1024);
    server.register("kilo", () => reply);
    const gone: string[] = [];
    server.on("disconnect", (clientId) => gone.push(clientId));
    const raw = await fx.raw(port);
    await raw.write(frame([3, 1, "sleeper"]));
    await readMessage(raw);
    raw.write(callFrames(30_000, "kilo")).catch(() => {});
    // Without a write timeout the connection (and its queued replies) stays forever.
    await until(() => gone.includes("sleeper"), 20_000, "the write timeout");
    expect(server.clients()).toEqual([]);
  });
});

describe("writeTimeoutMs over TLS", () => {
  it("closes a TLS connection whose peer reads none of the queued replies", async () => {
    fx.expectLog(/no reply bytes reached the peer for 300 ms/);
    const { server, port } = await tlsServer({ writeTimeoutMs: 300 });
    const big = "b".repeat(16 * 1024);
    server.register("big", () => big);
    const gone: string[] = [];
    server.on("disconnect", (clientId) => gone.push(clientId));
    const peer = await tlsPeer(port, "tls-sleeper");
    await until(() => peer.messages.length === 1, 10_000, "the hello reply");
    peer.socket.pause();
    peer.socket.write(callFrames(20_000, "big"));
    // The TLS socket takes some replies off the stream's queue: the stall must still be seen.
    await until(() => gone.includes("tls-sleeper"), 20_000, "the write timeout");
  });
});

describe("a window of calls whose replies are large", () => {
  it("pauses mid-window once the replies pass the mark, not after the whole window", async () => {
    const { server, port } = await fx.server();
    const big = "b".repeat(64 * 1024);
    let handled = 0;
    server.register("big", () => {
      handled++;
      return big;
    });
    const raw = await fx.raw(port);
    await raw.write(frame([3, 1, "window"]));
    await readMessage(raw);
    const conn = server.connection("window");
    if (conn === undefined) throw new Error("no connection");
    // 1000 calls in one read window (about 15 KB) ask for 64 MB of replies.
    const n = 1000;
    const calls = callFrames(n, "big");
    raw.write(calls).catch(() => {});
    await until(() => conn.readingPaused && handled > 0, 20_000, "the server to pause");
    // About the mark plus one reply, plus what the kernel took: never the window's 64 MB.
    expect(conn.stream.writeBufferSize).toBeLessThan(4 * 1024 * 1024);
    expect(handled).toBeLessThan(n);
    const replies = [];
    while (replies.length < n) replies.push(await readMessage(raw));
    expect(handled).toBe(n);
    expect(replies.every((m) => (m as unknown[])[3] === big)).toBe(true);
  });
});

/** A raw TLS client (Node's): hello sent; its incoming frames are counted, not read until asked. */
async function tlsPeer(port: number, clientId: string) {
  const socket: TLSSocket = tlsConnect({ host: "localhost", port, ca: tlsFixtures.ca });
  await within(
    new Promise<void>((resolve, reject) => {
      socket.once("secureConnect", resolve);
      socket.once("error", reject);
    }),
    10_000,
    "TLS connect",
  );
  fx.track(socket);
  let pending = Buffer.alloc(0);
  const messages: unknown[] = [];
  socket.on("data", (d: Buffer) => {
    pending = Buffer.concat([pending, d]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
      const len = pending.readUInt32BE(0);
      messages.push(decode(pending.subarray(4, 4 + len)));
      pending = pending.subarray(4 + len);
    }
  });
  socket.write(frame([3, 1, clientId]));
  return { socket, messages };
}

async function tlsServer(options: Parameters<RpcFixture["server"]>[0] = {}): Promise<{
  server: RpcServer;
  port: number;
}> {
  return fx.server(
    { ssl: { key: tlsFixtures.key, cert: tlsFixtures.cert }, ...options },
    "127.0.0.1",
  );
}

describe("over TLS", () => {
  it("a peer that never reads the replies stops being read, then gets every reply", async () => {
    const { server, port } = await tlsServer();
    const reply = "r".repeat(1024);
    let handled = 0;
    server.register("kilo", () => {
      handled++;
      return reply;
    });
    const peer = await tlsPeer(port, "tls-flooder");
    await until(() => peer.messages.length === 1, 10_000, "the hello reply");
    const conn = server.connection("tls-flooder");
    if (conn === undefined) throw new Error("no connection");
    peer.socket.pause();
    const n = 30_000;
    peer.socket.write(callFrames(n, "kilo"));
    await until(
      () => conn.readingPaused && conn.stream.writeBufferSize > WRITE_HIGH_WATER_MARK,
      20_000,
      "the server to pause reading behind its replies",
    );
    expect(handled).toBeLessThan(n);
    // The TLS stream stopped reading too: the calls wait in the kernel, not in the server.
    expect(conn.stream.readBufferSize).toBeLessThan(1024 * 1024);
    peer.socket.resume();
    await until(() => peer.messages.length === n + 1, 60_000, "every reply");
    expect(handled).toBe(n);
  });

  it("bytes behind a hello awaiting authenticate stay in the kernel (256 KiB read limit)", async () => {
    const { state, options } = gatedAuth();
    const { server, port } = await tlsServer(options);
    server.register("add", (a: number, b: number) => a + b);
    const peer = await tlsPeer(port, "tls-patient");
    const n = 100_000;
    peer.socket.write(callFrames(n, "add", (i) => [i, 1]));
    await until(() => state.captured !== null, 10_000, "the authenticate hook");
    state.release();
    await until(() => peer.messages.length === n + 1, 60_000, "the hello and every reply");
    expect(peer.messages[0]).toEqual([1, 1, null, "tls-patient"]);
    expect((peer.messages[n] as unknown[])[3]).toBe(n);
  });
});

describe("bytes behind a hello that awaits an async authenticate", () => {
  it("stay in the kernel (the stream's 256 KiB read limit holds), then are all served", async () => {
    const { state, options } = gatedAuth();
    const { server, port } = await fx.server(options);
    server.register("add", (a: number, b: number) => a + b);
    const raw = await fx.raw(port);
    const n = 200_000; // about 3.4 MB of calls
    const calls = callFrames(n, "add", (i) => [i, 1]);
    const sent = raw.write(Buffer.concat([frame([3, 1, "patient"]), calls]));
    sent.catch(() => {});
    await until(() => state.captured !== null, 10_000, "the authenticate hook");
    expect((state.captured as BaseIOStream | null)?.readBufferSize).toBeLessThanOrEqual(256 * 1024);
    state.release();
    const replies = await within(readFrames(raw, n + 1), 60_000, "the hello and every reply");
    expect(replies[0]).toEqual([1, 1, null, "patient"]);
    for (let i = 0; i < n; i++) expect((replies[i + 1] as unknown[])[3]).toBe(i + 1);
  });
});
