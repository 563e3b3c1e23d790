// writev-elements.test.ts: writev with hostile arrays — element getters that move, free or throw never make it send foreign memory.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterEach, describe, expect, it } from "vitest";
import { errno, read, socketpair, writev } from "../src/index.js";
import { closeAll, track } from "./helpers.js";

afterEach(closeAll);

const EAGAIN = errno.EAGAIN as number;
/** Element 0: 64 KiB of "A"; element 1 (behind the getter): one "B". */
const SIZE = 64 * 1024;
const A = 0x41;
const B = 0x42;

/** Everything the peer can read now (the writer already returned). */
function drain(fd: number): Buffer {
  const out = Buffer.alloc(4 * SIZE);
  let got = 0;
  for (;;) {
    const n = read(fd, out, got, out.length - got);
    if (n === -EAGAIN || n === 0) break;
    expect(n).toBeGreaterThan(0);
    got += n;
  }
  return out.subarray(0, got);
}

/** How many received bytes were never part of the arrays' original contents. */
function foreignBytes(received: Buffer): number {
  let n = 0;
  for (const byte of received) if (byte !== A && byte !== B) n++;
  return n;
}

/**
 * Calls writev(a, [victim, <getter>]) where the getter runs `sabotage(victim)` and returns "B";
 * checks the one allowed pair of outcomes: a TypeError/RangeError, or bytes that were the
 * arrays' original content, exactly as many as writev reported.
 */
function writevWithGetter(sabotage: (victim: Uint8Array) => void): Buffer {
  const [a, b] = track(socketpair("stream"));
  const victim = new Uint8Array(SIZE).fill(A);
  const buffers: Uint8Array[] = [victim];
  let calls = 0;
  Object.defineProperty(buffers, 1, {
    enumerable: true,
    get() {
      calls++;
      sabotage(victim);
      return Buffer.from([B]);
    },
  });
  let sent = -1;
  try {
    sent = writev(a, buffers);
  } catch (e) {
    expect(e instanceof TypeError || e instanceof RangeError).toBe(true);
  }
  expect(calls).toBe(1);
  expect(victim.byteLength).toBe(0); // the getter really detached element 0
  const received = drain(b);
  if (sent >= 0) expect(received.length).toBe(sent);
  else expect(received.length).toBe(0);
  expect(foreignBytes(received)).toBe(0);
  return received;
}

describe("writev with element getters", () => {
  it("does not send a buffer that a later element's getter moved elsewhere", () => {
    let moved: ArrayBufferLike | undefined;
    const received = writevWithGetter((victim) => {
      // The backing store now belongs to `moved`; its new owner overwrites it.
      const clone = structuredClone(victim.buffer, { transfer: [victim.buffer] });
      new Uint8Array(clone).fill(0x58);
      moved = clone;
    });
    expect(moved?.byteLength).toBe(SIZE);
    // Element 0 was detached before any pointer was taken: it counts as 0 bytes.
    expect(received.toString("latin1")).toBe("B");
  });

  it("does not send freed memory when the getter frees element 0's buffer", () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const spray: Buffer[] = [];
    writevWithGetter((victim) => {
      // The moved store is unreachable at once; collect it and refill the heap with "S".
      structuredClone(victim.buffer, { transfer: [victim.buffer] });
      gc();
      gc();
      for (let i = 0; i < 64; i++) spray.push(Buffer.alloc(SIZE, 0x53));
    });
    expect(spray.length).toBe(64);
  });

  it("a throwing getter propagates its error and nothing is sent", () => {
    const [a, b] = track(socketpair("stream"));
    const boom = new Error("getter boom");
    const buffers: Uint8Array[] = [Buffer.from("A")];
    Object.defineProperty(buffers, 1, {
      enumerable: true,
      get() {
        throw boom;
      },
    });
    let thrown: unknown;
    try {
      writev(a, buffers);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBe(boom);
    expect(drain(b).length).toBe(0);
  });

  it("a getter on Array.prototype reached through a hole is read before any pointer", () => {
    const [a, b] = track(socketpair("stream"));
    const victim = new Uint8Array(SIZE).fill(A);
    let moved: ArrayBufferLike | undefined;
    const buffers: Uint8Array[] = [victim];
    buffers.length = 2; // index 1 is a hole
    Object.defineProperty(Array.prototype, 1, {
      configurable: true,
      get() {
        const clone = structuredClone(victim.buffer, { transfer: [victim.buffer] });
        new Uint8Array(clone).fill(0x58);
        moved = clone;
        return Buffer.from([B]);
      },
    });
    let sent: number;
    try {
      sent = writev(a, buffers);
    } finally {
      delete (Array.prototype as unknown as Record<number, unknown>)[1];
    }
    expect(moved?.byteLength).toBe(SIZE); // the getter ran and detached element 0
    expect(victim.byteLength).toBe(0);
    const received = drain(b);
    expect(received.length).toBe(sent);
    expect(foreignBytes(received)).toBe(0);
  });
});
