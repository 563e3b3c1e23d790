// read-ahead.test.ts: Poller.setReadAhead on real sockets — bytes, EOF, ECONNRESET, caps, the buffer limit, invalidation.
import { afterEach, describe, expect, it } from "vitest";
import {
  accept,
  bind,
  connect,
  constants,
  DEFAULT_READ_AHEAD_BYTES,
  errno,
  getsockname,
  listen,
  Poller,
  type PollerBackend,
  READ,
  READ_AHEAD_NONE,
  read,
  setsockopt,
  socket,
  socketpair,
  WRITE,
  write,
} from "../src/index.js";
import { closeAll, closeNow, sleep, testedBackends, track } from "./helpers.js";

const pollers: Poller[] = [];
afterEach(() => {
  for (const p of pollers.splice(0)) p.close();
  closeAll();
});

/** One dispatched entry: fd, events, read-ahead result and the bytes (copied) it carried. */
interface Entry {
  fd: number;
  events: number;
  result: number;
  bytes: Buffer | null;
}

/**
 * A started poller recording every entry with its read-ahead outcome. Each fd is recorded once:
 * its first entry removes it from the poller (level-triggered, it would be reported, and read
 * ahead, again and again).
 */
class AheadRecorder {
  readonly poller: Poller;
  readonly entries: Entry[] = [];
  /** Runs inside the batch, before the entry is recorded; may remove or close fds. */
  onEntry: ((i: number, fd: number) => void) | undefined;

  constructor(backend: PollerBackend, readAheadBytes?: number) {
    this.poller = new Poller(
      (count) => {
        const { events, readAhead, receiveBuffer } = this.poller;
        for (let i = 0; i < count; i++) {
          const fd = events[2 * i] as number;
          if (fd < 0) continue;
          this.onEntry?.(i, fd);
          if ((events[2 * i] as number) < 0) continue;
          this.poller.remove(fd);
          const result = readAhead[2 * i + 1] as number;
          const off = readAhead[2 * i] as number;
          this.entries.push({
            fd,
            events: events[2 * i + 1] as number,
            result,
            bytes: result > 0 ? Buffer.from(receiveBuffer.subarray(off, off + result)) : null,
          });
        }
      },
      readAheadBytes === undefined ? { backend } : { backend, readAheadBytes },
    );
    pollers.push(this.poller);
    this.poller.start();
  }

  async entryFor(fd: number, timeoutMs = 5000): Promise<Entry> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = this.entries.find((x) => x.fd === fd);
      if (e !== undefined) return e;
      if (Date.now() > deadline) throw new Error(`no entry for fd ${fd} within ${timeoutMs} ms`);
      await sleep(5);
    }
  }
}

/** A connected TCP pair on 127.0.0.1: [ours, peer], both non-blocking. */
async function tcpPair(): Promise<[number, number]> {
  const l = track(socket(4));
  setsockopt(l, constants.SOL_SOCKET, constants.SO_REUSEADDR, 1);
  bind(l, "127.0.0.1", 0);
  listen(l, 4);
  const c = track(socket(4));
  connect(c, "127.0.0.1", getsockname(l).port);
  let s = -1;
  for (let i = 0; i < 2000 && s < 0; i++) {
    s = accept(l);
    if (s < 0) await sleep(1);
  }
  expect(s).toBeGreaterThanOrEqual(0);
  track(s);
  closeNow(l);
  return [s, c];
}

const scratch = Buffer.alloc(65536);

describe.each(testedBackends)("Poller read-ahead (%s backend)", (backend) => {
  it("reads a marked fd in the harvest and hands the bytes beside its entry", async () => {
    const [a, b] = track(socketpair());
    const rec = new AheadRecorder(backend);
    expect(rec.poller.receiveBuffer.length).toBe(DEFAULT_READ_AHEAD_BYTES);
    rec.poller.add(a, READ);
    rec.poller.setReadAhead(a, 1024);
    write(b, Buffer.from("hello"), 0, 5);
    const e = await rec.entryFor(a);
    expect(e.events & READ).toBe(READ);
    expect(e.result).toBe(5);
    expect(e.bytes?.toString()).toBe("hello");
    // The bytes have left the kernel.
    expect(read(a, scratch, 0, scratch.length)).toBe(-errno.EAGAIN);
  });

  it("leaves unmarked fds, and fds reported without READ, to their owner", async () => {
    const [a, b] = track(socketpair());
    const rec = new AheadRecorder(backend);
    rec.poller.add(a, READ | WRITE);
    write(b, Buffer.from("abc"), 0, 3);
    const e = await rec.entryFor(a);
    expect(e.result).toBe(READ_AHEAD_NONE);
    expect(read(a, scratch, 0, scratch.length)).toBe(3);
    // WRITE-only interest with read-ahead set: nothing is read.
    const [c, d] = track(socketpair());
    rec.poller.add(c, WRITE);
    rec.poller.setReadAhead(c, 1024);
    write(d, Buffer.from("xyz"), 0, 3);
    const f = await rec.entryFor(c);
    expect(f.events).toBe(WRITE);
    expect(f.result).toBe(READ_AHEAD_NONE);
    expect(read(c, scratch, 0, scratch.length)).toBe(3);
  });

  it("reads at most the fd's cap; the rest stays in the kernel", async () => {
    const [a, b] = track(socketpair());
    const rec = new AheadRecorder(backend);
    rec.poller.add(a, READ);
    rec.poller.setReadAhead(a, 4);
    write(b, Buffer.from("0123456789"), 0, 10);
    const e = await rec.entryFor(a);
    expect(e.result).toBe(4);
    expect(e.bytes?.toString()).toBe("0123");
    expect(scratch.toString("latin1", 0, read(a, scratch, 0, scratch.length))).toBe("456789");
  });

  it("reports end of file as 0 and a reset as -ECONNRESET", async () => {
    const [a, b] = track(socketpair());
    const [s, c] = await tcpPair();
    const rec = new AheadRecorder(backend);
    rec.poller.add(a, READ);
    rec.poller.setReadAhead(a, 1024);
    // s sends a byte that c never reads: closing c then resets the connection. Wait until the
    // byte is in c's receive queue (c readable): a close before that would send a FIN.
    expect(write(s, Buffer.from("x"), 0, 1)).toBe(1);
    rec.poller.add(c, READ);
    await rec.entryFor(c);
    rec.poller.add(s, READ);
    rec.poller.setReadAhead(s, 1024);
    closeNow(b);
    closeNow(c);
    const eof = await rec.entryFor(a);
    expect(eof.result).toBe(0);
    const reset = await rec.entryFor(s);
    expect(reset.result).toBe(-errno.ECONNRESET);
  });

  it("reads an fd ahead only while its cap fits in what is left of the receive buffer", async () => {
    const [a, b] = track(socketpair());
    const [c, d] = track(socketpair());
    const rec = new AheadRecorder(backend, 16);
    rec.poller.add(a, READ);
    rec.poller.add(c, READ);
    rec.poller.setReadAhead(a, 10);
    rec.poller.setReadAhead(c, 10);
    // Both ready in one harvest: the first read takes 6 bytes, leaving 10 for the second …
    rec.poller.stop();
    write(b, Buffer.from("aaaaaa"), 0, 6);
    write(d, Buffer.from("cccccc"), 0, 6);
    rec.poller.start();
    const ea = await rec.entryFor(a);
    const ec = await rec.entryFor(c);
    expect([ea.result, ec.result].sort()).toEqual([6, 6]);
    // … but after a first read of 7 bytes only 9 are left: the second fd is not read ahead.
    rec.entries.length = 0;
    rec.poller.stop();
    rec.poller.add(a, READ);
    rec.poller.add(c, READ);
    rec.poller.setReadAhead(a, 10);
    rec.poller.setReadAhead(c, 10);
    write(b, Buffer.from("aaaaaaa"), 0, 7);
    write(d, Buffer.from("ccccccc"), 0, 7);
    rec.poller.start();
    const fa = await rec.entryFor(a);
    const fc = await rec.entryFor(c);
    const results = [fa.result, fc.result];
    expect(results).toContain(7);
    expect(results).toContain(READ_AHEAD_NONE);
    const skipped = fa.result === READ_AHEAD_NONE ? a : c;
    expect(read(skipped, scratch, 0, scratch.length)).toBe(7);
    expect(() => rec.poller.setReadAhead(a, 17)).toThrow(RangeError);
  });

  it("forgets the cap on remove and on add, so a reused fd number starts without it", async () => {
    const [a, b] = track(socketpair());
    const rec = new AheadRecorder(backend);
    rec.poller.add(a, READ);
    rec.poller.setReadAhead(a, 1024);
    rec.poller.remove(a);
    rec.poller.add(a, READ);
    write(b, Buffer.from("kept"), 0, 4);
    const e = await rec.entryFor(a);
    expect(e.result).toBe(READ_AHEAD_NONE);
    expect(read(a, scratch, 0, scratch.length)).toBe(4);
  });

  it("never hands a removed fd's bytes to a new fd that reuses its number in the same batch", async () => {
    const [a, b] = track(socketpair());
    const [c, d] = track(socketpair());
    const rec = new AheadRecorder(backend);
    rec.poller.add(a, READ);
    rec.poller.add(c, READ);
    rec.poller.setReadAhead(a, 1024);
    rec.poller.setReadAhead(c, 1024);
    let reused = -1;
    let victim = -1;
    rec.onEntry = (_i, fd) => {
      if (victim !== -1) return;
      // The first entry closes the other fd and opens a socketpair that takes its number.
      victim = fd === a ? c : a;
      rec.poller.remove(victim);
      closeNow(victim);
      // Descriptors take the lowest free number: open pairs until one lands on the victim's.
      for (let k = 0; k < 64 && reused === -1; k++) {
        const [n1, n2] = track(socketpair());
        if (n1 === victim) reused = n1;
        else if (n2 === victim) reused = n2;
      }
      if (reused !== -1) {
        rec.poller.add(reused, READ);
        rec.poller.setReadAhead(reused, 1024);
      }
    };
    rec.poller.stop();
    write(b, Buffer.from("OLD-A"), 0, 5);
    write(d, Buffer.from("OLD-C"), 0, 5);
    rec.poller.start();
    const deadline = Date.now() + 5000;
    while (rec.entries.length === 0 && Date.now() < deadline) await sleep(5);
    expect(reused).toBe(victim);
    // The batch is over: one entry (the first) was delivered, none for the victim's number,
    // and the new descriptor behind that number has nothing to read (no bytes were lost to it
    // either: it never had any).
    expect(rec.entries.length).toBe(1);
    expect(rec.entries[0]?.bytes?.toString()).toBe(victim === a ? "OLD-C" : "OLD-A");
    expect(rec.entries.filter((e) => e.fd === victim)).toEqual([]);
    expect(read(reused, scratch, 0, scratch.length)).toBe(-errno.EAGAIN);
  });
});
