// MethodRegistry (single and module registration) and Backoff (bounded, jittered delays).

import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { Backoff, MethodRegistry, RpcDuplicateMethodError } from "../src/index.js";
import * as mathModule from "./fixtures/math-module.js";

describe("MethodRegistry", () => {
  it("registers and finds a function by exact name", () => {
    const r = new MethodRegistry();
    const sum = (a: number, b: number) => a + b;
    r.register("sum", sum);
    expect(r.get("sum")?.fn).toBe(sum);
    expect(r.get("Sum")).toBeUndefined();
    expect(r.names()).toEqual(["sum"]);
  });

  it("refuses a second registration under the same name until unregistered", () => {
    const r = new MethodRegistry();
    r.register("x", () => 1);
    expect(() => r.register("x", () => 2)).toThrow(RpcDuplicateMethodError);
    expect(r.unregister("x")).toBe(true);
    expect(r.unregister("x")).toBe(false);
    r.register("x", () => 3);
    expect(r.get("x")?.fn()).toBe(3);
  });

  it("validates names and functions with TypeError", () => {
    const r = new MethodRegistry();
    expect(() => r.register("", () => 1)).toThrow(TypeError);
    expect(() => r.register("x".repeat(257), () => 1)).toThrow(TypeError);
    expect(() => r.register("ok", 5 as never)).toThrow(TypeError);
    expect(() => r.registerModule(null as never)).toThrow(TypeError);
  });

  it("collects every exported function of a module namespace, with a prefix", () => {
    const r = new MethodRegistry();
    const names = r.registerModule(mathModule, { prefix: "math." });
    expect(names.sort()).toEqual(["math.mul", "math.sum"]);
    expect(r.get("math.sum")?.fn(2, 3)).toBe(5);
    expect(r.get("math.PI")).toBeUndefined(); // not a function
    expect(r.get("math._hidden")).toBeUndefined(); // private by convention
  });

  it("collects class methods (own and inherited) bound to the instance", () => {
    class Base {
      greet(name: string) {
        return `${this.prefix()}${name}`;
      }
      prefix() {
        return "hi ";
      }
    }
    class Counter extends Base {
      n = 0;
      incr() {
        this.n++;
        return this.n;
      }
      _internal() {}
    }
    const c = new Counter();
    const r = new MethodRegistry();
    expect(r.registerModule(c).sort()).toEqual(["greet", "incr", "prefix"]);
    const e = r.get("incr");
    expect(e?.fn.apply(e.thisArg, [])).toBe(1);
    expect(c.n).toBe(1);
    // A class built on EventEmitter exposes only its own methods, never emit/on/…
    class Service extends EventEmitter {
      ping() {
        return "pong";
      }
    }
    expect(new MethodRegistry().registerModule(new Service())).toEqual(["ping"]);
    const g = r.get("greet");
    expect(g?.fn.apply(g.thisArg, ["ann"])).toBe("hi ann");
  });

  it("registers nothing from a module when one of its names is taken", () => {
    const r = new MethodRegistry();
    r.register("mul", () => 0);
    expect(() => r.registerModule(mathModule)).toThrow(RpcDuplicateMethodError);
    expect(r.names()).toEqual(["mul"]);
  });

  it("marks context handlers", () => {
    const r = new MethodRegistry();
    r.register("a", () => 1, { context: true });
    r.registerModule({ b: () => 2 }, { context: true });
    expect(r.get("a")?.withContext).toBe(true);
    expect(r.get("b")?.withContext).toBe(true);
  });
});

describe("Backoff", () => {
  it("doubles from initialDelayMs up to maxDelayMs without jitter", () => {
    const b = new Backoff({ initialDelayMs: 100, maxDelayMs: 1000, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6].map(() => b.next())).toEqual([100, 200, 400, 800, 1000, 1000]);
    b.reset();
    expect(b.next()).toBe(100);
  });

  it("jitters downwards within [d·(1-jitter), d]", () => {
    const low = new Backoff({ initialDelayMs: 100, jitter: 0.5 }, () => 0.999999);
    const high = new Backoff({ initialDelayMs: 100, jitter: 0.5 }, () => 0);
    expect(low.next()).toBe(50);
    expect(high.next()).toBe(100);
    const real = new Backoff({ initialDelayMs: 100, maxDelayMs: 400 });
    for (let i = 0; i < 50; i++) {
      const d = real.next();
      expect(d).toBeGreaterThanOrEqual(50);
      expect(d).toBeLessThanOrEqual(400);
    }
  });

  it("returns -1 after maxAttempts", () => {
    const b = new Backoff({ initialDelayMs: 1, maxAttempts: 2, jitter: 0 });
    expect([b.next(), b.next(), b.next()]).toEqual([1, 2, -1]);
    expect(b.attempts).toBe(2);
  });

  it("validates its options with RangeError", () => {
    expect(() => new Backoff({ initialDelayMs: -1 })).toThrow(RangeError);
    expect(() => new Backoff({ initialDelayMs: 10, maxDelayMs: 5 })).toThrow(RangeError);
    expect(() => new Backoff({ jitter: 2 })).toThrow(RangeError);
    expect(() => new Backoff({ factor: 0.5 })).toThrow(RangeError);
    expect(() => new Backoff({ maxAttempts: 0 })).toThrow(RangeError);
  });
});
