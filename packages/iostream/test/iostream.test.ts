// Behaviours of Tornado's iostream_test.py over real sockets: TCP v4/v6, Unix and TLS pairs.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type BaseIOStream,
  ReadPendingError,
  StreamBufferFullError,
  StreamClosedError,
  UnsatisfiableReadError,
} from "../src/index.js";
import { LoopFixture, sleep, within } from "./helpers.js";

type PairKind = "tcp4" | "tcp6" | "unix" | "tls";

async function makePair(
  fx: LoopFixture,
  kind: PairKind,
  options?: { maxBufferSize?: number; readChunkSize?: number; maxWriteBufferSize?: number },
): Promise<[BaseIOStream, BaseIOStream]> {
  switch (kind) {
    case "tcp4":
      return fx.tcpPair("127.0.0.1", options);
    case "tcp6":
      return fx.tcpPair("::1", options);
    case "unix":
      return fx.unixPair(options);
    case "tls":
      return fx.tlsPair(options);
  }
}

describe.each<PairKind>(["tcp4", "tcp6", "unix", "tls"])("IOStream over %s", (kind) => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("readUntil finds a delimiter split across writes and across reads", async () => {
    const [server, client] = await makePair(fx, kind);
    const line = server.readUntil("\r\n");
    await client.write("hello wor");
    await sleep(20);
    expect(server.reading()).toBe(true);
    await client.write("ld\r");
    await sleep(20);
    await client.write("\nnext\r\n");
    expect((await within(line)).toString()).toBe("hello world\r\n");
    expect((await within(server.readUntil("\r\n"))).toString()).toBe("next\r\n");
  });

  it("readUntil serves several delimiters from one packet in order", async () => {
    const [server, client] = await makePair(fx, kind);
    await client.write("a\nbb\nccc\n");
    expect((await within(server.readUntil("\n"))).toString()).toBe("a\n");
    expect((await within(server.readUntil("\n"))).toString()).toBe("bb\n");
    expect((await within(server.readUntil("\n"))).toString()).toBe("ccc\n");
  });

  it("readUntil rejects with UnsatisfiableReadError when maxBytes is exceeded before the delimiter", async () => {
    const [server, client] = await makePair(fx, kind);
    const read = server.readUntil("\r\n", { maxBytes: 50 });
    await client.write("x".repeat(100));
    await expect(within(read)).rejects.toBeInstanceOf(UnsatisfiableReadError);
    expect(server.closed()).toBe(true);
  });

  it("readUntil rejects when the delimiter ends after maxBytes, even if it arrived", async () => {
    const [server, client] = await makePair(fx, kind);
    await client.write(`${"y".repeat(20)}\r\n`);
    await sleep(30);
    await expect(within(server.readUntil("\r\n", { maxBytes: 10 }))).rejects.toBeInstanceOf(
      UnsatisfiableReadError,
    );
  });

  it("readUntil succeeds when the delimiter ends exactly at maxBytes", async () => {
    const [server, client] = await makePair(fx, kind);
    await client.write("12345678\r\nrest");
    expect((await within(server.readUntil("\r\n", { maxBytes: 10 }))).toString()).toBe(
      "12345678\r\n",
    );
  });

  it("readUntilRegex reads through the first match", async () => {
    const [server, client] = await makePair(fx, kind);
    const read = server.readUntilRegex(/\r?\n\r?\n/);
    await client.write("GET / HTTP/1.1\r\nHost: x\r\n");
    await sleep(10);
    await client.write("\r\nbody");
    expect((await within(read)).toString()).toBe("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    expect((await within(server.readBytes(4))).toString()).toBe("body");
  });

  it("readUntilRegex rejects beyond maxBytes", async () => {
    const [server, client] = await makePair(fx, kind);
    const read = server.readUntilRegex(/END/, { maxBytes: 16 });
    await client.write("z".repeat(40));
    await expect(within(read)).rejects.toBeInstanceOf(UnsatisfiableReadError);
  });

  it("readBytes waits for exactly n bytes, and partial resolves with what is there", async () => {
    const [server, client] = await makePair(fx, kind);
    const exact = server.readBytes(6);
    await client.write("abc");
    await sleep(20);
    expect(server.reading()).toBe(true);
    await client.write("defgh");
    expect((await within(exact)).toString()).toBe("abcdef");
    const partial = await within(server.readBytes(100, { partial: true }));
    expect(partial.toString()).toBe("gh");
  });

  it("readInto fills the caller's buffer, partially when asked", async () => {
    const [server, client] = await makePair(fx, kind);
    const target = Buffer.alloc(8);
    const read = server.readInto(target);
    await client.write("1234");
    await sleep(10);
    await client.write("56789");
    expect(await within(read)).toBe(8);
    expect(target.toString()).toBe("12345678");
    const small = Buffer.alloc(16);
    expect(await within(server.readInto(small, { partial: true }))).toBe(1);
    expect(small.subarray(0, 1).toString()).toBe("9");
  });

  it("a second read while one is pending throws ReadPendingError", async () => {
    const [server] = await makePair(fx, kind);
    const first = server.readBytes(1);
    expect(() => server.readBytes(1)).toThrow(ReadPendingError);
    server.close();
    await expect(first).rejects.toBeInstanceOf(StreamClosedError);
  });

  it("readUntilClose returns everything, including data buffered before the close", async () => {
    const [server, client] = await makePair(fx, kind);
    await client.write("part one;");
    await sleep(20);
    await client.write("part two");
    const all = server.readUntilClose();
    await sleep(10);
    client.close();
    expect((await within(all)).toString()).toBe("part one;part two");
  });

  it("buffered data stays readable after the peer closed", async () => {
    const [server, client] = await makePair(fx, kind);
    await client.write("line1\nline2\n");
    client.close();
    await sleep(50);
    expect((await within(server.readUntil("\n"))).toString()).toBe("line1\n");
    expect((await within(server.readUntil("\n"))).toString()).toBe("line2\n");
    await expect(within(server.readUntil("\n"))).rejects.toBeInstanceOf(StreamClosedError);
  });

  it("a pending read rejects with StreamClosedError when the peer closes", async () => {
    const [server, client] = await makePair(fx, kind);
    const read = server.readBytes(10);
    await client.write("abc");
    client.close();
    await expect(within(read)).rejects.toBeInstanceOf(StreamClosedError);
    expect(server.closed()).toBe(true);
  });

  it("writes larger than the socket buffers reach a slow reader intact and in order", async () => {
    const [server, client] = await makePair(fx, kind);
    const size = 8 * 1024 * 1024;
    const payload = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4) payload.writeUInt32LE(i, i);
    const written = client.write(payload.subarray(0, size / 2));
    const written2 = client.write(payload.subarray(size / 2));
    let settled = false;
    written2.then(() => {
      settled = true;
    });
    await sleep(30);
    expect(settled).toBe(false);
    expect(client.writing()).toBe(true);
    const chunks: Buffer[] = [];
    let got = 0;
    while (got < size) {
      const chunk = await within(server.readBytes(256 * 1024, { partial: true }));
      chunks.push(chunk);
      got += chunk.length;
      if (chunks.length % 8 === 0) await sleep(1);
    }
    await within(Promise.all([written, written2]));
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
    expect(client.writing()).toBe(false);
  });

  it("the close callback runs once, after pending operations were rejected", async () => {
    const [server, client] = await makePair(fx, kind);
    const order: string[] = [];
    server.readBytes(5).catch((e) => order.push(`read:${(e as Error).name}`));
    let calls = 0;
    const closed = new Promise<void>((resolve) =>
      server.setCloseCallback(() => {
        calls++;
        order.push("close-callback");
        resolve();
      }),
    );
    client.close();
    await within(closed);
    await sleep(20);
    expect(calls).toBe(1);
    expect(order).toEqual(["read:StreamClosedError", "close-callback"]);
    expect(server.closed()).toBe(true);
  });

  it("operations after close reject with StreamClosedError", async () => {
    const [server] = await makePair(fx, kind);
    server.close();
    await expect(server.write("x")).rejects.toBeInstanceOf(StreamClosedError);
    await expect(server.readBytes(1)).rejects.toBeInstanceOf(StreamClosedError);
    await expect(server.readUntil("\n")).rejects.toBeInstanceOf(StreamClosedError);
  });

  it("a read buffer above maxBufferSize closes the stream with StreamBufferFullError", async () => {
    const [server, client] = await makePair(fx, kind, { maxBufferSize: 64 * 1024 });
    const read = server.readUntil("\n");
    client.write(Buffer.alloc(256 * 1024, 0x61)).catch(() => {});
    const err = await within(read).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamBufferFullError);
    expect(server.closed()).toBe(true);
    expect(server.error).toBeInstanceOf(StreamBufferFullError);
  });
});

describe("IOStream limits and writes", () => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("rejects a write beyond maxWriteBufferSize without closing the stream", async () => {
    const limit = 1024 * 1024;
    const [server, client] = await fx.tcpPair("127.0.0.1", { maxWriteBufferSize: limit });
    const chunk = Buffer.alloc(256 * 1024, 0x62);
    const accepted: Promise<void>[] = [];
    let rejected: unknown;
    for (let i = 0; i < 200 && rejected === undefined; i++) {
      const p = client.write(chunk);
      const outcome = await Promise.race([
        p.then(
          () => "ok",
          (e: unknown) => e,
        ),
        sleep(0),
      ]);
      if (outcome instanceof Error) rejected = outcome;
      else accepted.push(p);
      expect(client.writeBufferSize).toBeLessThanOrEqual(limit);
    }
    expect(rejected).toBeInstanceOf(StreamBufferFullError);
    expect(client.closed()).toBe(false);
    const total = accepted.length * chunk.length;
    let got = 0;
    while (got < total) {
      got += (await within(server.readBytes(1 << 20, { partial: true }))).length;
    }
    await within(Promise.all(accepted));
    expect(got).toBe(total);
  });

  it("validates options and arguments with TypeError/RangeError", async () => {
    const [server] = fx.unixPair();
    expect(() => fx.unixPair({ maxBufferSize: 0 })).toThrow(RangeError);
    expect(() => fx.unixPair({ readChunkSize: 1.5 })).toThrow(TypeError);
    expect(() => server.readBytes(-1)).toThrow(RangeError);
    expect(() => server.readUntil("")).toThrow(TypeError);
    expect(() => server.readUntil("\n", { maxBytes: 0 })).toThrow(RangeError);
    expect(() => server.write(42 as unknown as string)).toThrow(TypeError);
  });

  it("many small writes arrive in order", async () => {
    const [server, client] = fx.unixPair();
    const n = 10_000;
    const writes: Promise<void>[] = [];
    for (let i = 0; i < n; i++) writes.push(client.write(`${i},`));
    const expected = Array.from({ length: n }, (_, i) => `${i},`).join("");
    const got = await within(server.readBytes(Buffer.byteLength(expected)));
    expect(got.toString()).toBe(expected);
    await within(Promise.all(writes));
  });

  it("a small readChunkSize still moves data correctly", async () => {
    const [server, client] = fx.unixPair({ readChunkSize: 7 });
    await client.write("abcdefghijklmnopqrstuvwxyz\n");
    expect((await within(server.readUntil("\n"))).toString()).toBe("abcdefghijklmnopqrstuvwxyz\n");
  });
});

describe("data consumer mode", () => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("offers bytes as they arrive and keeps what the consumer leaves for later", async () => {
    const [server, client] = fx.unixPair();
    const lines: string[] = [];
    let done!: () => void;
    const finished = new Promise<void>((r) => {
      done = r;
    });
    server.setDataConsumer((buf, start, end) => {
      // Consume whole lines only.
      const nl = buf.lastIndexOf(0x0a, end - 1);
      if (nl < start) return 0;
      lines.push(...buf.toString("latin1", start, nl).split("\n"));
      if (lines.includes("end")) done();
      return nl + 1 - start;
    });
    await client.write("alpha\nbe");
    await sleep(10);
    await client.write("ta\ngamma\n");
    await client.write("end\n");
    await within(finished);
    expect(lines).toEqual(["alpha", "beta", "gamma", "end"]);
    expect(server.readBufferSize).toBe(0);
  });

  it("a Promise read takes precedence, and bytes buffered before setting are offered at once", async () => {
    const [server, client] = fx.unixPair();
    await client.write("head\nrest-of-it");
    expect((await within(server.readUntil("\n"))).toString()).toBe("head\n");
    await sleep(10);
    const seen: string[] = [];
    server.setDataConsumer((buf, start, end) => {
      seen.push(buf.toString("latin1", start, end));
      return end - start;
    });
    expect(seen).toEqual(["rest-of-it"]);
  });

  it("a consumer that throws closes the stream with its error", async () => {
    const [server, client] = fx.unixPair();
    const closed = new Promise<void>((r) => server.setCloseCallback(r));
    server.setDataConsumer(() => {
      throw new Error("parser exploded");
    });
    await client.write("x");
    await within(closed);
    expect(server.error?.message).toBe("parser exploded");
  });
});

describe("data consumer handing over to Promise reads", () => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("a read started inside the consumer sees only the bytes after those it consumed", async () => {
    const [server, client] = fx.unixPair();
    let next: Promise<Buffer> | undefined;
    server.setDataConsumer((buf, start, end) => {
      const nl = buf.indexOf(0x0a, start);
      if (nl === -1 || nl >= end) return 0;
      // Upgrade-style hand-over: stop consuming and read the rest with Promises.
      server.setDataConsumer(null);
      next = server.readUntil("\n");
      return nl + 1 - start;
    });
    await client.write("UPGRADE\nfirst frame\nsecond\n");
    await within(
      new Promise<void>((resolve) => {
        const check = () => (next ? resolve() : setTimeout(check, 5));
        check();
      }),
    );
    expect((await within(next as Promise<Buffer>)).toString()).toBe("first frame\n");
    expect((await within(server.readUntil("\n"))).toString()).toBe("second\n");
  });
});
