import { describe, expect, it } from "vitest";
import { CallbackQueue } from "../src/callback-queue.js";

describe("CallbackQueue", () => {
  it("runs callbacks in order with their arguments", () => {
    const queue = new CallbackQueue();
    const seen: unknown[] = [];
    const fn = (...args: unknown[]) => seen.push(args);
    expect(queue.push(fn, [1])).toBe(true);
    expect(queue.push(fn, [2, "b"])).toBe(false);
    expect(queue.size).toBe(2);
    expect(queue.beginDrain()).toBe(2);
    for (let cb = queue.next(); cb !== undefined; cb = queue.next()) cb(...queue.args);
    expect(seen).toEqual([[1], [2, "b"]]);
    expect(queue.size).toBe(0);
  });

  it("callbacks pushed during a drain wait for the next drain", () => {
    const queue = new CallbackQueue();
    const order: string[] = [];
    const late = () => order.push("late");
    queue.push(() => {
      order.push("first");
      queue.push(late, []);
    }, []);
    queue.push(() => order.push("second"), []);
    queue.beginDrain();
    for (let cb = queue.next(); cb !== undefined; cb = queue.next()) cb();
    expect(order).toEqual(["first", "second"]);
    expect(queue.size).toBe(1);
    expect(queue.beginDrain()).toBe(1);
    queue.next()?.();
    expect(order).toEqual(["first", "second", "late"]);
  });

  it("an interrupted drain resumes where it stopped before newer callbacks", () => {
    const queue = new CallbackQueue();
    const order: number[] = [];
    for (let i = 0; i < 4; i++) queue.push(() => order.push(i), []);
    queue.beginDrain();
    queue.next()?.();
    queue.push(() => order.push(99), []);
    expect(queue.size).toBe(4);
    expect(queue.beginDrain()).toBe(3); // resumes the interrupted batch
    for (let cb = queue.next(); cb !== undefined; cb = queue.next()) cb();
    queue.beginDrain();
    for (let cb = queue.next(); cb !== undefined; cb = queue.next()) cb();
    expect(order).toEqual([0, 1, 2, 3, 99]);
  });

  it("clear drops everything", () => {
    const queue = new CallbackQueue();
    queue.push(() => {}, []);
    queue.clear();
    expect(queue.size).toBe(0);
    expect(queue.beginDrain()).toBe(0);
    expect(queue.next()).toBeUndefined();
  });
});
