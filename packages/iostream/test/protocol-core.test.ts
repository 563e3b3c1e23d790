// The protocol core over real sockets: corking, send, pause/resume, output backpressure, close hooks, the sweeper.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type BaseIOStream,
  ConnectionSweeper,
  StreamBufferFullError,
  StreamClosedError,
  sweepIntervalFor,
} from "../src/index.js";
import { LoopFixture, tlsFixtures, within } from "./helpers.js";

/** Read from `stream` until `n` bytes arrived (or it closed), returning them. */
async function readN(stream: BaseIOStream, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const chunk = await stream.readBytes(n - got, { partial: true });
    parts.push(chunk);
    got += chunk.length;
  }
  return Buffer.concat(parts);
}

/** Resolve once `cond()` holds, checking after every loop iteration (bounded by `within`). */
function until(fx: LoopFixture, cond: () => boolean): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      const check = (): void => {
        if (cond()) resolve();
        else fx.loop.callLater(1, check);
      };
      check();
    }),
  );
}

describe("corking", () => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("holds writes until the last uncork, then sends them in order", async () => {
    const [s, c] = fx.unixPair();
    s.cork();
    s.cork();
    s.send(Buffer.from("ab"));
    const p = s.write("cd");
    s.send(Buffer.from("ef"));
    expect(s.corked).toBe(true);
    s.uncork();
    expect(s.bytesWritten).toBe(0);
    expect(s.writeBufferSize).toBe(6);
    s.uncork();
    expect(s.corked).toBe(false);
    expect(s.bytesWritten).toBe(6);
    await within(p);
    expect((await within(readN(c, 6))).toString()).toBe("abcdef");
  });

  it("close() inside the consumer still sends what the consumer wrote (one non-blocking try)", async () => {
    const [s, c] = fx.unixPair();
    s.setDataConsumer((_buf, start, end) => {
      s.send(Buffer.from("400 bad\n"));
      s.close();
      return end - start;
    });
    await c.write("garbage");
    expect((await within(c.readUntilClose())).toString()).toBe("400 bad\n");
  });

  it("an uncork without a cork is a RangeError", async () => {
    const [s] = fx.unixPair();
    expect(() => s.uncork()).toThrow(RangeError);
  });

  it("the data consumer runs corked: its answers to a batch leave after it returns", async () => {
    const [s, c] = fx.unixPair();
    const seenInside: Array<[boolean, number]> = [];
    s.setDataConsumer((buf, start, end) => {
      seenInside.push([s.corked, s.bytesWritten]);
      for (let i = start; i < end; i++) s.send(Buffer.from([buf[i] + 1]));
      return end - start;
    });
    await c.write("abc");
    expect((await within(readN(c, 3))).toString()).toBe("bcd");
    expect(seenInside.length).toBeGreaterThan(0);
    for (const [corked, written] of seenInside) {
      expect(corked).toBe(true);
      expect(written).toBe(0);
    }
  });

  it("send beyond maxWriteBufferSize closes the stream with StreamBufferFullError", async () => {
    const [s] = fx.unixPair({ maxWriteBufferSize: 16 });
    s.cork();
    s.send(Buffer.alloc(10));
    expect(s.closed()).toBe(false);
    s.send(Buffer.alloc(10));
    expect(s.closed()).toBe(true);
    expect(s.error).toBeInstanceOf(StreamBufferFullError);
    s.uncork();
    s.send(Buffer.alloc(1)); // a closed stream ignores it
    expect(() => s.send("x" as unknown as Uint8Array)).toThrow(TypeError);
  });
});

describe("write promise policy", () => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("a failed write nobody awaits is not an unhandled rejection, and an awaited one rejects", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on("unhandledRejection", onUnhandled);
    try {
      const [s, c] = fx.unixPair({ maxWriteBufferSize: 5 });
      s.cork();
      s.write("abc"); // queued, then rejected by the close below; nobody awaits it
      s.write("too long"); // over the limit; nobody awaits it
      const awaited = s.write("zz");
      c.close();
      s.close();
      s.uncork();
      s.write("after close"); // rejected at once; nobody awaits it
      await expect(awaited).rejects.toBeInstanceOf(StreamClosedError);
      // Let any unhandled rejection surface: it is reported after the microtask queue drains.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

describe("pause and resume", () => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("a paused consumer is offered nothing; resume offers what was buffered at once", async () => {
    const [s, c] = fx.unixPair();
    let got = "";
    s.setDataConsumer((buf, start, end) => {
      got += buf.toString("latin1", start, end);
      return end - start;
    });
    s.pauseReading();
    expect(s.readingPaused).toBe(true);
    await c.write("hello");
    await until(fx, () => s.readBufferSize === 5);
    expect(got).toBe("");
    s.resumeReading();
    expect(got).toBe("hello");
    expect(s.readingPaused).toBe(false);
    await c.write(" world");
    await until(fx, () => got === "hello world");
  });

  it("a paused consumer reads at most readChunkSize ahead from the descriptor", async () => {
    const [s, c] = fx.unixPair({ readChunkSize: 1024 });
    let got = 0;
    s.setDataConsumer((_buf, start, end) => {
      got += end - start;
      return end - start;
    });
    s.pauseReading();
    const total = 256 * 1024;
    const sent = c.write(Buffer.alloc(total, 7));
    await until(fx, () => s.readBufferSize >= 1024);
    expect(s.readBufferSize).toBeLessThan(2 * 1024 + 1);
    expect(c.writing()).toBe(true); // the rest waits in the kernel and in the sender's queue
    s.resumeReading();
    await within(sent);
    await until(fx, () => got === total);
  });

  it("resume works on a TLS stream (input pulled from the TLS socket)", async () => {
    const [s, c] = await fx.tlsPair();
    let got = "";
    s.setDataConsumer((buf, start, end) => {
      got += buf.toString("latin1", start, end);
      return end - start;
    });
    s.pauseReading();
    await c.write("secret");
    await until(fx, () => s.readBufferSize === 6);
    expect(got).toBe("");
    s.resumeReading();
    await until(fx, () => got === "secret");
    expect(tlsFixtures.ca).toBeTruthy();
  });
});

describe("output backpressure (writeHighWaterMark)", () => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("a consumer is never offered input while its queued output is at or above the mark", async () => {
    const mark = 8 * 1024;
    const answer = 32 * 1024;
    const requests = 400; // 12.5 MiB of answers for 400 bytes of requests
    const [s, c] = await fx.tcpPair("127.0.0.1", { writeHighWaterMark: mark });
    let answered = 0;
    let worstQueuedAtOffer = 0;
    let blockedSeen = false;
    s.setDataConsumer((_buf, start, end) => {
      worstQueuedAtOffer = Math.max(worstQueuedAtOffer, s.writeBufferSize);
      let used = 0;
      while (start + used < end) {
        s.send(Buffer.alloc(answer, 1));
        answered++;
        used++;
        if (s.writeBlocked) {
          blockedSeen = true;
          break; // one answer per request; stop mid-batch like an HTTP server
        }
      }
      return used;
    });
    await c.write(Buffer.alloc(requests, 0x41));
    // The peer reads nothing yet: the server's queue fills and input stops being offered.
    await until(fx, () => s.writing() && s.readBufferSize > 0);
    expect(answered).toBeLessThan(requests);
    // Now read everything: every request is answered, and none was offered while blocked.
    await within(readN(c, requests * answer), 60_000);
    expect(answered).toBe(requests);
    expect(blockedSeen).toBe(true);
    expect(worstQueuedAtOffer).toBeLessThan(mark);
  });

  it("is off by default; setWriteHighWaterMark turns it on, and lowering it below the queue blocks", async () => {
    const [s, c] = fx.unixPair();
    s.cork();
    s.send(Buffer.alloc(4096));
    expect(s.writeBlocked).toBe(false);
    s.setWriteHighWaterMark(1024);
    expect(s.writeBlocked).toBe(true);
    s.setWriteHighWaterMark(Number.POSITIVE_INFINITY);
    expect(s.writeBlocked).toBe(false);
    expect(() => s.setWriteHighWaterMark(0)).toThrow(RangeError);
    expect(() => s.setWriteHighWaterMark(1.5)).toThrow(RangeError);
    const written = s.whenWritten();
    s.uncork();
    await within(written);
    expect(s.bytesWritten).toBe(4096);
    await within(readN(c, 4096));
    expect(s.whenWritten()).toBe(s.whenWritten()); // nothing queued: the shared resolved Promise
  });

  it("Infinity turns the mark off; a bad mark is a RangeError or TypeError", () => {
    expect(() => fx.unixPair({ writeHighWaterMark: 0 })).toThrow(RangeError);
    expect(() => fx.unixPair({ writeHighWaterMark: "1" as unknown as number })).toThrow(TypeError);
    const [s] = fx.unixPair({ writeHighWaterMark: Number.POSITIVE_INFINITY });
    s.cork();
    s.send(Buffer.alloc(1 << 20));
    expect(s.writeBlocked).toBe(false);
    s.uncork();
  });
});

describe("closeWhenWritten", () => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("runs the written hook each time the queue empties, only then, and not while corked", async () => {
    const [s, c] = fx.unixPair();
    const seen: number[] = [];
    s.setWrittenHook(() => seen.push(s.writeBufferSize));
    s.send(Buffer.from("small"));
    expect(seen).toEqual([0]); // the kernel took it at once
    s.cork();
    s.send(Buffer.from("corked"));
    expect(seen).toEqual([0]);
    s.uncork();
    expect(seen).toEqual([0, 0]);
    const body = Buffer.alloc(4 << 20, 7);
    s.send(body);
    expect(s.writing()).toBe(true); // the kernel took part of it: no hook yet
    expect(seen).toEqual([0, 0]);
    const got = await within(readN(c, 11 + body.length));
    expect(got.length).toBe(11 + body.length);
    await until(fx, () => seen.length === 3);
    expect(seen).toEqual([0, 0, 0]);
    s.setWrittenHook(null);
    s.send(Buffer.from("x"));
    expect(seen.length).toBe(3);
    expect(() => s.setWrittenHook(42 as unknown as () => void)).toThrow(TypeError);
  });

  it("closes after the last queued byte reached the kernel, not before", async () => {
    const [s, c] = fx.unixPair();
    const body = Buffer.alloc(4 << 20, 3);
    s.send(body);
    expect(s.writing()).toBe(true); // the kernel took part of it
    s.closeWhenWritten();
    expect(s.closed()).toBe(false);
    const got = await within(c.readUntilClose({}));
    expect(got.length).toBe(body.length);
    expect(s.closed()).toBe(true);
    expect(s.error).toBeUndefined();
  });

  it("closes at once when nothing is queued, and at the uncork when corked", async () => {
    const [a] = fx.unixPair();
    a.closeWhenWritten();
    expect(a.closed()).toBe(true);
    const [b, peer] = fx.unixPair();
    b.cork();
    b.send(Buffer.from("bye"));
    b.closeWhenWritten();
    expect(b.closed()).toBe(false);
    b.uncork();
    expect(b.closed()).toBe(true);
    expect((await within(peer.readUntilClose())).toString()).toBe("bye");
  });
});

describe("close hook", () => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("runs synchronously, once, when either side closes", async () => {
    const [s, c] = fx.unixPair();
    let calls = 0;
    s.setCloseHook(() => {
      calls++;
    });
    s.close();
    expect(calls).toBe(1);
    s.close();
    expect(calls).toBe(1);
    let peerCalls = 0;
    const [s2, c2] = fx.unixPair();
    s2.setCloseHook(() => {
      peerCalls++;
    });
    s2.setDataConsumer((_b, st, e) => e - st);
    c2.close();
    await until(fx, () => s2.closed());
    expect(peerCalls).toBe(1);
    expect(() => s.setCloseHook(1 as unknown as () => void)).toThrow(TypeError);
    c.close();
  });

  it("runs when startTls hands the descriptor to a TLS stream", async () => {
    const [s, c] = await fx.tcpPair();
    let calls = 0;
    s.setCloseHook(() => {
      calls++;
    });
    const server = s.startTls({
      serverSide: true,
      tls: { key: tlsFixtures.key, cert: tlsFixtures.cert },
    });
    expect(calls).toBe(1);
    const client = c.startTls({
      serverSide: false,
      serverHostname: "localhost",
      tls: { ca: tlsFixtures.ca },
    });
    const [ts, tc] = await within(Promise.all([server, client]));
    fx.track(ts);
    fx.track(tc);
  });
});

describe("ConnectionSweeper", () => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("sweeps tracked items with the loop's time and stops once nothing is tracked", async () => {
    const sweeper = new ConnectionSweeper(fx.loop, 10);
    const seen: number[] = [];
    const swept = new Promise<void>((resolve) => {
      sweeper.add({
        sweep(nowMs) {
          seen.push(nowMs);
          if (seen.length === 2) resolve();
        },
      });
    });
    const t0 = fx.loop.time();
    await within(swept);
    expect(seen[0]).toBeGreaterThanOrEqual(t0);
    expect(seen[1]).toBeGreaterThan(seen[0]);
    for (const item of [...sweeper.connections]) sweeper.delete(item);
    expect(sweeper.size).toBe(0);
    sweeper.sweep(); // nothing tracked: the periodic callback stops (dispose checks no timer leaks)
    expect(sweeper.stamp).toBeGreaterThan(t0);
  });

  it("add is idempotent, delete forgets only that item, and the rest are all swept", () => {
    const sweeper = new ConnectionSweeper(fx.loop, 1000);
    const swept: number[] = [];
    const items = Array.from({ length: 6 }, (_, id) => ({
      id,
      sweepSlot: -1,
      sweep() {
        swept.push(id);
      },
    }));
    for (const item of items) sweeper.add(item);
    sweeper.add(items[2]);
    expect(sweeper.size).toBe(6);
    sweeper.delete(items[1]);
    sweeper.delete(items[1]);
    sweeper.delete({ sweep() {} });
    expect(sweeper.size).toBe(5);
    expect(sweeper.has(items[1])).toBe(false);
    expect(items[1].sweepSlot).toBe(-1);
    expect([...sweeper.connections].map((i) => i.id).sort()).toEqual([0, 2, 3, 4, 5]);
    sweeper.sweep();
    expect(swept.sort()).toEqual([0, 2, 3, 4, 5]);
    sweeper.clear();
    expect(sweeper.size).toBe(0);
    expect(items.every((item) => item.sweepSlot === -1)).toBe(true);
  });

  it("items that delete themselves or others during a sweep: every survivor is swept, no deleted one after", () => {
    const sweeper = new ConnectionSweeper(fx.loop, 1000);
    const swept = new Map<number, number>();
    type Item = { id: number; sweepSlot: number; sweep(now: number): void };
    const items: Item[] = [];
    for (let id = 0; id < 10; id++) {
      items.push({
        id,
        sweepSlot: -1,
        sweep() {
          swept.set(id, (swept.get(id) ?? 0) + 1);
          if (id % 3 === 0) sweeper.delete(this); // deletes itself
          if (id === 7) sweeper.delete(items[2]); // deletes one not swept yet (swept last to first)
        },
      });
    }
    for (const item of items) sweeper.add(item);
    sweeper.sweep();
    expect(swept.has(2)).toBe(false);
    for (const id of [0, 1, 3, 4, 5, 6, 7, 8, 9]) expect(swept.get(id)).toBeGreaterThanOrEqual(1);
    expect(sweeper.size).toBe(5); // 0, 3, 6, 9 and 2 are gone
    expect([...sweeper.connections].map((i) => i.id).sort()).toEqual([1, 4, 5, 7, 8]);
    sweeper.clear();
  });

  it("an item tracked by one sweeper cannot be added to another", () => {
    const a = new ConnectionSweeper(fx.loop, 1000);
    const b = new ConnectionSweeper(fx.loop, 1000);
    const item = { sweep() {} };
    a.add(item);
    expect(() => b.add(item)).toThrow(TypeError);
    expect(() => b.add(item)).toThrow(/no other ConnectionSweeper tracks/);
    expect(b.size).toBe(0);
    a.delete(item);
    b.add(item);
    expect(b.has(item)).toBe(true);
    b.clear();
    a.clear();
  });

  it("shortenInterval only shrinks; bad intervals are RangeErrors", () => {
    const sweeper = new ConnectionSweeper(fx.loop, 1000);
    sweeper.shortenInterval(2000);
    expect(sweeper.intervalMs).toBe(1000);
    sweeper.shortenInterval(50);
    expect(sweeper.intervalMs).toBe(50);
    expect(() => sweeper.shortenInterval(0)).toThrow(RangeError);
    expect(() => new ConnectionSweeper(fx.loop, Number.NaN)).toThrow(RangeError);
    expect(sweepIntervalFor(100, 0, 4000)).toBe(25);
    expect(sweepIntervalFor()).toBe(1000);
  });
});
