import { describe, expect, it } from "vitest";
import type { TimeoutEntry } from "../src/timeout-heap.js";
import { TimeoutHeap } from "../src/timeout-heap.js";

const noop = () => {};

function drain(heap: TimeoutHeap, nowMs = Number.POSITIVE_INFINITY): TimeoutEntry[] {
  const out: TimeoutEntry[] = [];
  heap.takeDue(nowMs, out);
  return out;
}

describe("TimeoutHeap", () => {
  it("pops entries by deadline, and equal deadlines in insertion order", () => {
    const heap = new TimeoutHeap();
    const deadlines = [50, 10, 30, 10, 20, 50, 10, 0, 40];
    deadlines.forEach((d, i) => {
      heap.add(d, noop, [i]);
    });
    const order = drain(heap).map((e) => [e.deadline, (e.args as number[])[0]]);
    expect(order).toEqual([
      [0, 7],
      [10, 1],
      [10, 3],
      [10, 6],
      [20, 4],
      [30, 2],
      [40, 8],
      [50, 0],
      [50, 5],
    ]);
  });

  it("takeDue stops at the first deadline after now", () => {
    const heap = new TimeoutHeap();
    for (const d of [5, 1, 9, 3]) heap.add(d, noop, []);
    expect(drain(heap, 4).map((e) => e.deadline)).toEqual([1, 3]);
    expect(heap.peekDeadline()).toBe(5);
    expect(heap.liveCount).toBe(2);
  });

  it("matches a sorted reference under random adds and cancels", () => {
    const heap = new TimeoutHeap({ compactThreshold: 8 });
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const live: TimeoutEntry[] = [];
    for (let i = 0; i < 5000; i++) {
      const entry = heap.add(Math.floor(rand() * 100), noop, []);
      live.push(entry);
      if (rand() < 0.6) {
        const victim = live.splice(Math.floor(rand() * live.length), 1)[0] as TimeoutEntry;
        expect(heap.cancel(victim)).toBe(true);
      }
    }
    const expected = [...live].sort((a, b) => a.deadline - b.deadline || a.seq - b.seq);
    expect(drain(heap)).toEqual(expected);
    expect(heap.size).toBe(0);
  });

  it("skips cancelled entries and reports an empty heap as Infinity", () => {
    const heap = new TimeoutHeap();
    const a = heap.add(1, noop, []);
    const b = heap.add(2, noop, []);
    heap.cancel(a);
    expect(heap.peekDeadline()).toBe(2);
    heap.cancel(b);
    expect(heap.peekDeadline()).toBe(Number.POSITIVE_INFINITY);
    expect(heap.size).toBe(0);
    expect(heap.cancelledCount).toBe(0);
  });

  it("cancel is safe on entries that already ran, were cancelled, or belong to another heap", () => {
    const heap = new TimeoutHeap();
    const other = new TimeoutHeap();
    const a = heap.add(1, noop, []);
    const foreign = other.add(1, noop, []);
    expect(heap.cancel(foreign)).toBe(false);
    expect(other.liveCount).toBe(1);
    const [fired] = drain(heap);
    expect(fired).toBe(a);
    expect(heap.cancel(a)).toBe(true); // due but not yet run: still cancellable
    expect(a.callback).toBeNull();
    expect(heap.cancel(a)).toBe(false);
    expect(heap.cancelledCount).toBe(0);
  });

  it("compacts once cancelled entries exceed the threshold and half the heap", () => {
    const heap = new TimeoutHeap({ compactThreshold: 512 });
    const entries: TimeoutEntry[] = [];
    for (let i = 0; i < 2000; i++) entries.push(heap.add(i, noop, []));
    for (let i = 0; i < 1000; i++) heap.cancel(entries[i * 2] as TimeoutEntry);
    expect(heap.compactionCount).toBe(0); // 1000 is not more than half of 2000
    heap.cancel(entries[1] as TimeoutEntry);
    expect(heap.compactionCount).toBe(1);
    expect(heap.size).toBe(999);
    expect(heap.cancelledCount).toBe(0);
    expect(drain(heap).map((e) => e.deadline)).toEqual(
      Array.from({ length: 999 }, (_, k) => 3 + 2 * k),
    );
  });

  it("stays bounded under 100k add/cancel churn", () => {
    const heap = new TimeoutHeap();
    const keep: TimeoutEntry[] = [];
    let worstExcess = 0;
    for (let i = 0; i < 100_000; i++) {
      const entry = heap.add(1000 + (i % 977), noop, [i]);
      if (i % 100 === 0) keep.push(entry);
      else heap.cancel(entry);
      // Cancelled entries never exceed max(threshold, half the heap).
      worstExcess = Math.max(worstExcess, heap.cancelledCount - Math.max(512, heap.size >> 1));
    }
    expect(worstExcess).toBeLessThanOrEqual(0);
    expect(heap.compactionCount).toBeGreaterThan(0);
    expect(heap.liveCount).toBe(1000);
    expect(heap.size).toBeLessThan(3000);
    const out = drain(heap);
    expect(out.length).toBe(1000);
    expect(new Set(out)).toEqual(new Set(keep));
  });

  it("reinsert puts a due entry back in its place", () => {
    const heap = new TimeoutHeap();
    const a = heap.add(5, noop, []);
    heap.add(5, noop, []);
    const out: TimeoutEntry[] = [];
    heap.takeDue(5, out);
    heap.reinsert(out[1] as TimeoutEntry);
    heap.reinsert(out[0] as TimeoutEntry);
    expect(drain(heap)[0]).toBe(a);
  });

  it("rejects a bad compactThreshold", () => {
    expect(() => new TimeoutHeap({ compactThreshold: -1 })).toThrow(RangeError);
  });
});
