// read-ahead.test.ts: IOLoop.setReadAhead on real sockets — handler arguments, reused fd numbers, stop().
import { close, errno, READ, READ_AHEAD_NONE, read, socketpair } from "@t/poller-native";
import { afterEach, describe, expect, it } from "vitest";
import { FdUnknownError } from "../src/index.js";
import {
  cleanup,
  newLoop,
  newSocketpair,
  track,
  untrack,
  withTimeout,
  writeString,
} from "./helpers.js";

afterEach(cleanup);

interface Call {
  fd: number;
  events: number;
  received: number;
  text: string | null;
}

const scratch = Buffer.alloc(4096);

describe("IOLoop read-ahead", () => {
  it("hands the handler what was read ahead: byte count, offset, and the bytes in readAheadBuffer", async () => {
    const { loop } = newLoop();
    const [a, b] = newSocketpair();
    const [c, d] = newSocketpair();
    const calls: Call[] = [];
    let done: () => void = () => {};
    const finished = new Promise<void>((r) => {
      done = r;
    });
    const handler = (fd: number, events: number, received: number, offset: number): void => {
      const text =
        received > 0 ? loop.readAheadBuffer.toString("latin1", offset, offset + received) : null;
      calls.push({ fd, events, received, text });
      // Without read-ahead the handler reads itself (else it would be called again and again).
      if (received === READ_AHEAD_NONE) read(fd, scratch, 0, scratch.length);
      loop.removeHandler(fd);
      if (calls.length === 2) done();
    };
    loop.addHandler(a, handler, READ);
    loop.addHandler(c, handler, READ);
    loop.setReadAhead(a, 1024);
    writeString(b, "ahead");
    writeString(d, "not ahead");
    const run = loop.start();
    await withTimeout(finished);
    loop.stop();
    await run;
    const byFd = new Map(calls.map((x) => [x.fd, x]));
    expect(byFd.get(a)).toEqual({ fd: a, events: READ, received: 5, text: "ahead" });
    expect(byFd.get(c)).toEqual({ fd: c, events: READ, received: READ_AHEAD_NONE, text: null });
    expect(read(a, scratch, 0, scratch.length)).toBe(-errno.EAGAIN);
  });

  it("checks its arguments: a handler must exist, maxBytes within readAheadBytes", () => {
    const { loop } = newLoop({ readAheadBytes: 0 });
    const [a] = newSocketpair();
    expect(() => loop.setReadAhead(a, 1)).toThrow(FdUnknownError);
    loop.addHandler(a, () => {}, READ);
    expect(loop.readAheadBuffer.length).toBe(0);
    expect(() => loop.setReadAhead(a, 1)).toThrow(RangeError);
    loop.setReadAhead(a, 0);
  });

  it("never hands a closed fd's read-ahead bytes to a new handler on the same number", async () => {
    const { loop } = newLoop();
    const [a, b] = newSocketpair();
    const [c, d] = newSocketpair();
    const seen: Call[] = [];
    let victim = -1;
    let reused = -1;
    let fresh: () => void = () => {};
    const freshSeen = new Promise<void>((r) => {
      fresh = r;
    });
    const onReused = (fd: number, events: number, received: number, offset: number): void => {
      const text =
        received > 0 ? loop.readAheadBuffer.toString("latin1", offset, offset + received) : null;
      seen.push({ fd, events, received, text });
      fresh();
    };
    const first = (fd: number, events: number, received: number, offset: number): void => {
      const text =
        received > 0 ? loop.readAheadBuffer.toString("latin1", offset, offset + received) : null;
      seen.push({ fd, events, received, text });
      loop.removeHandler(fd);
      if (victim !== -1) return;
      // The first handler of the batch closes the other descriptor, whose bytes were read
      // ahead in the same harvest, and opens one that takes its number.
      victim = fd === a ? c : a;
      loop.removeHandler(victim);
      close(victim);
      untrack(victim);
      for (let k = 0; k < 64 && reused === -1; k++) {
        const [n1, n2] = socketpair();
        track(n1, n2);
        if (n1 === victim) reused = n1;
        else if (n2 === victim) reused = n2;
        if (reused !== -1) {
          const peer = reused === n1 ? n2 : n1;
          loop.addHandler(reused, onReused, READ);
          loop.setReadAhead(reused, 1024);
          // Bytes for the new descriptor arrive only after this batch.
          loop.addCallback(() => writeString(peer, "NEW"));
        }
      }
    };
    loop.addHandler(a, first, READ);
    loop.addHandler(c, first, READ);
    loop.setReadAhead(a, 1024);
    loop.setReadAhead(c, 1024);
    writeString(b, "OLD-A");
    writeString(d, "OLD-C");
    const run = loop.start();
    await withTimeout(freshSeen);
    loop.stop();
    await run;
    expect(reused).toBe(victim);
    expect(seen.length).toBe(2);
    expect(seen[0]?.text).toBe(victim === a ? "OLD-C" : "OLD-A");
    expect(seen[1]).toEqual({ fd: victim, events: READ, received: 3, text: "NEW" });
  });

  it("still dispatches entries carrying read-ahead bytes after a handler stops the loop", async () => {
    const { loop } = newLoop();
    const [a, b] = newSocketpair();
    const [c, d] = newSocketpair();
    const got: Call[] = [];
    let stopped: () => void = () => {};
    const whenStopped = new Promise<void>((r) => {
      stopped = r;
    });
    const handler = (fd: number, events: number, received: number, offset: number): void => {
      const text =
        received > 0 ? loop.readAheadBuffer.toString("latin1", offset, offset + received) : null;
      got.push({ fd, events, received, text });
      loop.removeHandler(fd);
      if (got.length === 1) {
        loop.stop();
        stopped();
      }
    };
    loop.addHandler(a, handler, READ);
    loop.addHandler(c, handler, READ);
    loop.setReadAhead(a, 1024);
    loop.setReadAhead(c, 1024);
    writeString(b, "one");
    writeString(d, "two");
    const run = loop.start();
    await withTimeout(whenStopped);
    await run;
    // Both were read ahead in the one harvest: the second is delivered although the first
    // handler stopped the loop, so no byte that left the kernel is lost.
    expect(got.map((x) => x.text).sort()).toEqual(["one", "two"]);
  });
});
