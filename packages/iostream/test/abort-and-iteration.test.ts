// AbortSignal on reads and `for await` over a stream, over real TCP and Unix socket pairs.

import { createHash, randomBytes } from "node:crypto";
import { AbortError } from "@t/ioloop";
import { until } from "@t-tools/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BaseIOStream, ReadPendingError, StreamClosedError } from "../src/index.js";
import { LoopFixture, within } from "./helpers.js";

/** Lets Node's loop turn `n` times (I/O is polled between turns); no clock involved. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

function expectAbortError(err: unknown, reason: unknown, operation: string): void {
  expect(err).toBeInstanceOf(AbortError);
  const e = err as AbortError;
  expect(e.name).toBe("AbortError");
  expect(e.code).toBe("T_ERR_ABORTED");
  expect(e.cause).toBe(reason);
  expect(e.message).toContain(operation);
}

describe("reads with an AbortSignal", () => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("a read given an already-aborted signal rejects at once and starts no read", async () => {
    const [server, client] = fx.unixPair();
    await client.write("hello\n");
    const reason = new Error("gave up");
    const signal = AbortSignal.abort(reason);
    const reads: [string, () => Promise<unknown>][] = [
      ["readBytes()", () => server.readBytes(3, { signal })],
      ["readUntil()", () => server.readUntil("\n", { signal })],
      ["readUntilRegex()", () => server.readUntilRegex(/\n/, { signal })],
      ["readUntilClose()", () => server.readUntilClose({ signal })],
      ["readInto()", () => server.readInto(Buffer.alloc(3), { signal })],
    ];
    for (const [name, read] of reads) {
      const err = await read().catch((e: unknown) => e);
      expectAbortError(err, reason, name);
      expect(server.reading()).toBe(false);
    }
    // Nothing was consumed: the line is still there.
    expect((await within(server.readUntil("\n"))).toString()).toBe("hello\n");
  });

  it("aborting a pending readUntil rejects it; the bytes that arrived stay for the next read", async () => {
    const [server, client] = await fx.tcpPair();
    const ac = new AbortController();
    const line = server.readUntil("\r\n", { signal: ac.signal });
    await client.write("partial li");
    await until(() => server.readBufferSize === 10, 10_000, "10 bytes buffered");
    expect(server.reading()).toBe(true);
    ac.abort("user left");
    const err = await within(line.catch((e: unknown) => e));
    expectAbortError(err, "user left", "readUntil()");
    expect(server.reading()).toBe(false);
    expect(server.closed()).toBe(false);
    await client.write("ne\r\n");
    expect((await within(server.readUntil("\r\n"))).toString()).toBe("partial line\r\n");
    // The stream still writes both ways.
    await server.write("ok");
    expect((await within(client.readBytes(2))).toString()).toBe("ok");
  });

  it("aborting a pending readBytes leaves the stream usable for a read of another kind", async () => {
    const [server, client] = fx.unixPair();
    const ac = new AbortController();
    const read = server.readBytes(100, { signal: ac.signal });
    ac.abort();
    const err = await within(read.catch((e: unknown) => e));
    expect(err).toBeInstanceOf(AbortError);
    // Node's default reason: a DOMException named AbortError.
    expect((err as AbortError).cause).toBeInstanceOf(DOMException);
    await client.write("abc");
    expect((await within(server.readBytes(3))).toString()).toBe("abc");
  });

  it("aborting a half-filled readInto puts the copied bytes back in front of the buffer", async () => {
    const [server, client] = await fx.tcpPair();
    const target = Buffer.alloc(10);
    const ac = new AbortController();
    const read = server.readInto(target, { signal: ac.signal });
    await client.write("abcd");
    // The bytes went straight into the caller's buffer (nothing is buffered in the stream).
    await until(() => target.subarray(0, 4).toString() === "abcd", 10_000, "4 bytes copied");
    expect(server.readBufferSize).toBe(0);
    ac.abort();
    await within(read.catch(() => {}));
    expect(server.readBufferSize).toBe(4);
    await client.write("efgh");
    expect((await within(server.readBytes(8))).toString()).toBe("abcdefgh");
  });

  it("aborting readUntilClose keeps what arrived; a second readUntilClose gets all of it", async () => {
    const [server, client] = fx.unixPair();
    const ac = new AbortController();
    const all = server.readUntilClose({ signal: ac.signal });
    await client.write("first ");
    await until(() => server.readBufferSize === 6, 10_000, "6 bytes buffered");
    ac.abort();
    await within(all.catch(() => {}));
    const rest = server.readUntilClose();
    await client.write("second");
    client.close();
    expect((await within(rest)).toString()).toBe("first second");
  });

  it("a signal that outlives its read has no effect on later reads", async () => {
    const [server, client] = fx.unixPair();
    const ac = new AbortController();
    await client.write("ab");
    expect((await within(server.readBytes(1, { signal: ac.signal }))).toString()).toBe("a");
    const next = server.readBytes(2);
    ac.abort();
    await client.write("c");
    expect((await within(next)).toString()).toBe("bc");
  });

  it("the same signal may guard many reads and rejects the one pending when it fires", async () => {
    const [server, client] = fx.unixPair();
    const ac = new AbortController();
    const opts = { signal: ac.signal };
    await client.write("1\n2\n");
    expect((await within(server.readUntil("\n", opts))).toString()).toBe("1\n");
    expect((await within(server.readUntil("\n", opts))).toString()).toBe("2\n");
    const third = server.readUntil("\n", opts);
    ac.abort();
    await expect(within(third)).rejects.toBeInstanceOf(AbortError);
    await expect(server.readUntil("\n", opts)).rejects.toBeInstanceOf(AbortError);
  });

  it("closing the stream, not the signal, still rejects with StreamClosedError", async () => {
    const [server] = fx.unixPair();
    const ac = new AbortController();
    const read = server.readBytes(1, { signal: ac.signal });
    server.close();
    await expect(within(read)).rejects.toBeInstanceOf(StreamClosedError);
    ac.abort(); // the listener is gone: nothing happens
  });

  it("a signal that is not an AbortSignal is a TypeError", () => {
    const [server] = fx.unixPair();
    expect(() => server.readBytes(1, { signal: {} as AbortSignal })).toThrow(TypeError);
    expect(() => server.readUntilClose({ signal: "x" as unknown as AbortSignal })).toThrow(
      /signal must be an AbortSignal/,
    );
  });
});

describe("for await over a stream", () => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("yields every byte until the peer closes (sha256 of 4 MiB matches)", async () => {
    const chunkSize = 16 * 1024;
    const [server, client] = await fx.tcpPair("127.0.0.1", { readChunkSize: chunkSize });
    const data = randomBytes(4 * 1024 * 1024);
    const sent = client.write(data).then(() => client.close());
    const hash = createHash("sha256");
    let bytes = 0;
    let chunks = 0;
    await within(
      (async () => {
        for await (const chunk of server) {
          expect(Buffer.isBuffer(chunk)).toBe(true);
          expect(chunk.length).toBeGreaterThan(0);
          expect(chunk.length).toBeLessThanOrEqual(chunkSize);
          hash.update(chunk);
          bytes += chunk.length;
          chunks++;
        }
      })(),
      60_000,
    );
    await within(sent);
    expect(bytes).toBe(data.length);
    expect(chunks).toBeGreaterThanOrEqual(data.length / chunkSize);
    expect(hash.digest("hex")).toBe(createHash("sha256").update(data).digest("hex"));
    expect(server.closed()).toBe(true);
  });

  it("reads nothing beyond the read buffer while the loop body is not pulling", async () => {
    const chunkSize = 16 * 1024;
    const [server, client] = await fx.tcpPair("127.0.0.1", { readChunkSize: chunkSize });
    const total = 32 * 1024 * 1024;
    const sent = client.write(Buffer.alloc(total, 7)).catch(() => {});
    const it = server[Symbol.asyncIterator]();
    const first = await within(it.next());
    expect(first.done).toBe(false);
    // The body "works" for many turns of Node's loop while the socket stays readable.
    await turns(200);
    expect(server.readBufferSize).toBeLessThanOrEqual(2 * chunkSize);
    // The peer is held back by TCP: most of its bytes are still queued on its side.
    expect(client.writeBufferSize).toBeGreaterThan(0);
    let received = (first.value as Buffer).length;
    for (;;) {
      const step = await within(it.next());
      if (step.done) break;
      received += step.value.length;
      if (received === total) {
        client.close();
      }
    }
    expect(received).toBe(total);
    await within(sent);
  });

  it("break closes the stream, as Node's Readable does; the peer sees the end", async () => {
    const [server, client] = fx.unixPair();
    await client.write("one");
    for await (const chunk of server) {
      expect(chunk.toString()).toBe("one");
      break;
    }
    expect(server.closed()).toBe(true);
    expect((await within(client.readUntilClose())).length).toBe(0);
  });

  it("chunks({ closeOnReturn: false }): break leaves the stream open with its bytes buffered", async () => {
    const [server, client] = fx.unixPair({ readChunkSize: 4 });
    await client.write("abcdefgh\n");
    let first = "";
    for await (const chunk of server.chunks({ closeOnReturn: false })) {
      first = chunk.toString();
      break;
    }
    expect(first).toBe("abcd");
    expect(server.closed()).toBe(false);
    expect((await within(server.readUntil("\n"))).toString()).toBe("efgh\n");
  });

  it("an exception in the loop body closes the stream and propagates", async () => {
    const [server, client] = fx.unixPair();
    await client.write("x");
    const boom = new Error("body failed");
    const err = await (async () => {
      for await (const _ of server) throw boom;
    })().catch((e: unknown) => e);
    expect(err).toBe(boom);
    expect(server.closed()).toBe(true);
  });

  it("a stream closed by an error ends the iteration with StreamClosedError and its realError", async () => {
    const [server, client] = fx.unixPair();
    await client.write("before");
    const reset = new Error("reset by test");
    const seen: string[] = [];
    const err = await within(
      (async () => {
        for await (const chunk of server) {
          seen.push(chunk.toString());
          server.close(reset);
        }
      })().catch((e: unknown) => e),
    );
    expect(seen).toEqual(["before"]);
    expect(err).toBeInstanceOf(StreamClosedError);
    expect((err as StreamClosedError).realError).toBe(reset);
  });

  it("aborting the iteration's signal rejects the waiting step and closes the stream", async () => {
    const [server, client] = await fx.tcpPair();
    const ac = new AbortController();
    const seen: string[] = [];
    const done = (async () => {
      for await (const chunk of server.chunks({ signal: ac.signal })) {
        seen.push(chunk.toString());
        ac.abort("enough");
      }
    })().catch((e: unknown) => e);
    await client.write("data");
    const err = await within(done);
    expect(seen).toEqual(["data"]);
    expectAbortError(err, "enough", "readBytes()");
    expect(server.closed()).toBe(true);
  });

  it("another read during an iteration throws ReadPendingError", async () => {
    const [server, client]: BaseIOStream[] = fx.unixPair();
    const it = server.chunks();
    const step = it.next();
    expect(() => server.readBytes(1)).toThrow(ReadPendingError);
    await client.write("z");
    expect(((await within(step)).value as Buffer).toString()).toBe("z");
    await it.return(undefined);
    expect(server.closed()).toBe(true);
  });

  it("bad chunks() options are a TypeError at the call, before any read", () => {
    const [server] = fx.unixPair();
    expect(() => server.chunks({ closeOnReturn: "no" as unknown as boolean })).toThrow(TypeError);
    expect(() => server.chunks({ signal: {} as AbortSignal })).toThrow(/signal must be/);
    expect(server.reading()).toBe(false);
  });

  it("bytes sent before the peer closed are all yielded, then the iteration ends", async () => {
    const [server, client] = fx.unixPair();
    await client.write("tail");
    client.close();
    const got: string[] = [];
    for await (const chunk of server) got.push(chunk.toString());
    expect(got.join("")).toBe("tail");
    expect(server.closed()).toBe(true);
  });
});
