// Lock, Semaphore, BoundedSemaphore, Event and Condition: the behaviours of Tornado's locks_test.py.

import { afterEach, describe, expect, it } from "vitest";
import {
  AbortError,
  BoundedSemaphore,
  Condition,
  Event,
  IOLoop,
  Lock,
  Semaphore,
  TimeoutError,
  TooManyReleasesError,
} from "../src/index.js";
import { cleanup, newLoop } from "./helpers.js";
import { onLoop, settle, watch } from "./sync-helpers.js";

afterEach(cleanup);

describe("Condition", () => {
  it("toString shows waiters only while some wait", async () => {
    await onLoop(async () => {
      const c = new Condition();
      expect(String(c)).toContain("Condition");
      expect(String(c)).not.toContain("waiters");
      const w = watch(c.wait());
      expect(String(c)).toContain("waiters[1]");
      c.notify();
      expect(await w.promise).toBe(true);
    });
  });

  it("a notify from a loop timeout wakes a waiter", async () => {
    await onLoop(async (loop) => {
      const c = new Condition();
      loop.callLater(1, () => c.notify());
      expect(await c.wait()).toBe(true);
    });
  });

  it("notify(1) wakes one waiter at a time, in the order they waited", async () => {
    await onLoop(async () => {
      const c = new Condition();
      const history: string[] = [];
      c.wait().then(() => history.push("wait1"));
      c.wait().then(() => history.push("wait2"));
      c.notify(1);
      await settle();
      history.push("notify1");
      c.notify(1);
      await settle();
      history.push("notify2");
      expect(history).toEqual(["wait1", "notify1", "wait2", "notify2"]);
    });
  });

  it("notify(n) wakes n waiters first-in first-out", async () => {
    await onLoop(async () => {
      const c = new Condition();
      const history: number[] = [];
      for (let i = 0; i < 6; i++) c.wait().then(() => history.push(i));
      c.notify(3);
      await settle();
      expect(history).toEqual([0, 1, 2]);
      c.notify(1);
      await settle();
      expect(history).toEqual([0, 1, 2, 3]);
      c.notify(2);
      await settle();
      expect(history).toEqual([0, 1, 2, 3, 4, 5]);
      expect(c.waiting).toBe(0);
    });
  });

  it("notifyAll wakes every waiter in order", async () => {
    await onLoop(async () => {
      const c = new Condition();
      const history: (number | string)[] = [];
      for (let i = 0; i < 4; i++) c.wait().then(() => history.push(i));
      c.notifyAll();
      await settle();
      history.push("notifyAll");
      expect(history).toEqual([0, 1, 2, 3, "notifyAll"]);
    });
  });

  it("wait resolves false once its timeout passed, and a later notify does not count it", async () => {
    await onLoop(async () => {
      const c = new Condition();
      expect(await c.wait({ timeoutMs: 5 })).toBe(false);
      expect(c.waiting).toBe(0);
      const next = watch(c.wait());
      c.notify();
      expect(await next.promise).toBe(true);
    });
  });

  it("a notify before the timeout wins, and the timer is released", async () => {
    await onLoop(async (loop) => {
      const c = new Condition();
      const before = loop.pendingCount;
      const wait = c.wait({ timeoutMs: 60_000 });
      expect(loop.pendingCount).toBe(before + 1);
      c.notify();
      expect(await wait).toBe(true);
      expect(loop.pendingCount).toBe(before);
    });
  });

  it("a timed-out waiter does not count against notify(n)", async () => {
    await onLoop(async () => {
      const c = new Condition();
      const history: (number | string)[] = [];
      const record = (p: Promise<boolean>, key: number) =>
        p.then((ok) => history.push(ok ? key : "timeout"));
      record(c.wait(), 0);
      const timed = record(c.wait({ timeoutMs: 5 }), 1);
      record(c.wait(), 2);
      const last = record(c.wait(), 3);
      await timed;
      expect(history).toEqual(["timeout"]);
      expect(c.waiting).toBe(3); // removed at its timeout, not later
      c.notify(2);
      await settle();
      expect(history).toEqual(["timeout", 0, 2]);
      c.notify();
      await last;
      expect(history).toEqual(["timeout", 0, 2, 3]);
    });
  });

  it("notifyAll after a timeout wakes only the live waiters", async () => {
    await onLoop(async () => {
      const c = new Condition();
      const history: (number | string)[] = [];
      const record = (p: Promise<boolean>, key: number) =>
        p.then((ok) => history.push(ok ? key : "timeout"));
      record(c.wait(), 0);
      const timed = record(c.wait({ timeoutMs: 5 }), 1);
      record(c.wait(), 2);
      await timed;
      c.notifyAll();
      await settle();
      expect(history).toEqual(["timeout", 0, 2]);
    });
  });

  it("a waiter that notifies again when woken loses no notification (nested notify)", async () => {
    await onLoop(async () => {
      const c = new Condition();
      const waits = [watch(c.wait()), watch(c.wait()), watch(c.wait())];
      waits[1]?.promise.then(() => c.notify());
      c.notify(2);
      await settle();
      expect(waits.every((w) => w.done && w.value === true)).toBe(true);
    });
  });

  it("timed-out waiters leave the list at once (101 time out, 1 stays)", async () => {
    await onLoop(async () => {
      const c = new Condition();
      const timed: Promise<boolean>[] = [];
      for (let i = 0; i < 101; i++) timed.push(c.wait({ timeoutMs: 5 }));
      const live = watch(c.wait());
      expect(c.waiting).toBe(102);
      expect(await Promise.all(timed)).toEqual(new Array(101).fill(false));
      expect(c.waiting).toBe(1);
      expect(live.done).toBe(false);
      c.notify();
      await settle();
      expect(live.value).toBe(true);
    });
  });

  it("an aborted wait rejects with AbortError (cause: the reason) and leaves the list", async () => {
    await onLoop(async () => {
      const c = new Condition();
      const ac = new AbortController();
      const aborted = watch(c.wait({ signal: ac.signal }));
      const live = watch(c.wait());
      ac.abort(new Error("shutting down"));
      await settle();
      expect(aborted.error).toBeInstanceOf(AbortError);
      expect((aborted.error as AbortError).code).toBe("T_ERR_ABORTED");
      expect((aborted.error as AbortError).name).toBe("AbortError");
      expect(((aborted.error as AbortError).cause as Error).message).toBe("shutting down");
      expect(c.waiting).toBe(1);
      c.notify();
      await settle();
      expect(live.value).toBe(true);
      await expect(c.wait({ signal: ac.signal })).rejects.toBeInstanceOf(AbortError);
      expect(c.waiting).toBe(0);
    });
  });

  it("timeoutMs 0 resolves false at once without waiting", async () => {
    await onLoop(async (loop) => {
      const c = new Condition();
      const before = loop.pendingCount;
      const w = c.wait({ timeoutMs: 0 });
      expect(c.waiting).toBe(0);
      expect(loop.pendingCount).toBe(before);
      expect(await w).toBe(false);
    });
  });

  it("rejects bad arguments at the call", () => {
    const c = new Condition();
    expect(() => c.wait({ timeoutMs: -1 })).toThrow(RangeError);
    expect(() => c.wait({ timeoutMs: Number.NaN })).toThrow(RangeError);
    expect(() => c.wait({ timeoutMs: "5" as never })).toThrow(TypeError);
    expect(() => c.wait({ signal: {} as never })).toThrow(TypeError);
    expect(() => c.wait(5 as never)).toThrow(TypeError);
    expect(() => c.notify(-1)).toThrow(RangeError);
    expect(() => c.notify(1.5)).toThrow(RangeError);
    expect(() => new Condition({ loop: {} as never })).toThrow(TypeError);
    expect(c.waiting).toBe(0);
  });
});

describe("Event", () => {
  it("toString says set or clear", () => {
    const e = new Event();
    expect(String(e)).toContain("clear");
    expect(String(e)).not.toContain("set");
    e.set();
    expect(String(e)).not.toContain("clear");
    expect(String(e)).toContain("set");
  });

  it("wait resolves at once while set and blocks again after clear", async () => {
    await onLoop(async () => {
      const e = new Event();
      const w0 = watch(e.wait());
      e.set();
      const w1 = watch(e.wait());
      e.clear();
      const w2 = watch(e.wait());
      await settle();
      expect(w0.done).toBe(true);
      expect(w1.done).toBe(true);
      expect(w2.done).toBe(false);
      expect(e.waiting).toBe(1);
      e.set();
      await settle();
      expect(w2.done).toBe(true);
    });
  });

  it("wait rejects with TimeoutError after timeoutMs, then works normally", async () => {
    await onLoop(async (loop) => {
      const e = new Event();
      const err = await e.wait({ timeoutMs: 5 }).then(
        () => null,
        (x: unknown) => x,
      );
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as TimeoutError).code).toBe("T_ERR_TIMEOUT");
      expect((err as TimeoutError).message).toMatch(/Event\.wait\(\) timed out after 5 ms/);
      expect(e.waiting).toBe(0);
      loop.callLater(1, () => e.set());
      await e.wait({ timeoutMs: 60_000 });
    });
  });

  it("set twice stays set", () => {
    const e = new Event();
    e.set();
    e.set();
    expect(e.isSet()).toBe(true);
  });

  it("a clear between two waits does not lose the first: set wakes both", async () => {
    await onLoop(async () => {
      const e = new Event();
      const w0 = watch(e.wait());
      e.clear();
      const w1 = watch(e.wait());
      e.set();
      await settle();
      expect(w0.done).toBe(true);
      expect(w1.done).toBe(true);
    });
  });

  it("an aborted wait rejects with AbortError; an already aborted signal rejects even when set", async () => {
    await onLoop(async () => {
      const e = new Event();
      const ac = new AbortController();
      const w = watch(e.wait({ signal: ac.signal }));
      ac.abort();
      await settle();
      expect(w.error).toBeInstanceOf(AbortError);
      expect(e.waiting).toBe(0);
      e.set();
      await expect(e.wait({ signal: ac.signal })).rejects.toBeInstanceOf(AbortError);
    });
  });
});

describe("Semaphore", () => {
  it("a negative or fractional value is a RangeError", () => {
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
    expect(() => new BoundedSemaphore(-1)).toThrow(RangeError);
  });

  it("toString shows the value, locked state and waiters", async () => {
    await onLoop(async () => {
      const sem = new Semaphore();
      expect(String(sem)).toContain("Semaphore");
      expect(String(sem)).toContain("unlocked,value:1");
      const release = await sem.acquire();
      expect(String(sem)).toContain("locked");
      expect(String(sem)).not.toContain("waiters");
      const w = watch(sem.acquire());
      expect(String(sem)).toContain("waiters");
      release();
      (await w.promise)();
    });
  });

  it("acquire is immediate while the value is positive, then waits for release in order", async () => {
    await onLoop(async () => {
      const sem = new Semaphore();
      const f0 = watch(sem.acquire());
      await settle();
      expect(f0.done).toBe(true);
      const f1 = watch(sem.acquire());
      const f2 = watch(sem.acquire());
      await settle();
      expect(f1.done).toBe(false);
      sem.release();
      await settle();
      expect(f1.done).toBe(true);
      expect(f2.done).toBe(false);
      sem.release();
      await settle();
      expect(f2.done).toBe(true);
      sem.release();
      const f3 = watch(sem.acquire());
      await settle();
      expect(f3.done).toBe(true);
      expect(sem.waiting).toBe(0);
    });
  });

  it("acquire rejects with TimeoutError after timeoutMs and the value is unchanged", async () => {
    await onLoop(async () => {
      const sem = new Semaphore(2);
      await sem.acquire();
      await sem.acquire();
      await expect(sem.acquire({ timeoutMs: 5 })).rejects.toThrow(TimeoutError);
      expect(sem.value).toBe(0);
      expect(sem.waiting).toBe(0);
      const f = watch(sem.acquire());
      await settle();
      expect(f.done).toBe(false);
      sem.release();
      await settle();
      expect(f.done).toBe(true);
    });
  });

  it("a release before the timeout wins", async () => {
    await onLoop(async (loop) => {
      const sem = new Semaphore(1);
      await sem.acquire();
      loop.callLater(1, () => sem.release());
      const release = await sem.acquire({ timeoutMs: 60_000 });
      expect(typeof release).toBe("function");
    });
  });

  it("unbounded releases raise the value", async () => {
    await onLoop(async () => {
      const sem = new Semaphore();
      sem.release();
      sem.release();
      expect(sem.value).toBe(3);
      const fs = [watch(sem.acquire()), watch(sem.acquire()), watch(sem.acquire())];
      const blocked = watch(sem.acquire());
      await settle();
      expect(fs.every((f) => f.done)).toBe(true);
      expect(blocked.done).toBe(false);
      sem.release();
      await blocked.promise;
    });
  });

  it("timed-out waiters leave at once (101 time out, 1 stays)", async () => {
    await onLoop(async () => {
      const sem = new Semaphore(0);
      const timed = Array.from({ length: 101 }, () => watch(sem.acquire({ timeoutMs: 5 })));
      const live = watch(sem.acquire());
      expect(sem.waiting).toBe(102);
      await Promise.allSettled(timed.map((t) => t.promise));
      expect(sem.waiting).toBe(1);
      expect(live.done).toBe(false);
      sem.release();
      await settle();
      expect(live.done).toBe(true);
      for (const t of timed) expect(t.error).toBeInstanceOf(TimeoutError);
    });
  });

  it("the release function releases once, however often it is called", async () => {
    await onLoop(async () => {
      const sem = new Semaphore(1);
      const release = await sem.acquire();
      release();
      release();
      expect(sem.value).toBe(1);
    });
  });

  it("run() holds a unit while fn runs and releases it after a throw", async () => {
    await onLoop(async () => {
      const sem = new Semaphore();
      const inside = await sem.run(() => sem.value);
      expect(inside).toBe(0);
      expect(sem.value).toBe(1);
      await expect(
        sem.run(() => {
          throw new RangeError("divide by zero");
        }),
      ).rejects.toThrow(RangeError);
      expect(sem.value).toBe(1);
      await expect(sem.run(async () => 42, { timeoutMs: 10 })).resolves.toBe(42);
      expect(sem.value).toBe(1);
      await expect(sem.run(undefined as never)).rejects.toThrow(TypeError);
    });
  });

  it("run() with a timeout that expires does not run fn and leaves the value at 0", async () => {
    await onLoop(async () => {
      const sem = new Semaphore(0);
      let ran = false;
      await expect(
        sem.run(
          () => {
            ran = true;
          },
          { timeoutMs: 5 },
        ),
      ).rejects.toThrow(TimeoutError);
      expect(ran).toBe(false);
      expect(sem.value).toBe(0);
    });
  });

  it("contended run() calls take turns (acquired 0, release 0, acquired 1, release 1)", async () => {
    await onLoop(async (loop) => {
      const sem = new Semaphore();
      const history: string[] = [];
      const f = (i: number) =>
        sem.run(async () => {
          history.push(`acquired ${i}`);
          await new Promise((resolve) => loop.callLater(2, resolve));
          history.push(`release ${i}`);
        });
      await Promise.all([f(0), f(1)]);
      expect(history).toEqual(["acquired 0", "release 0", "acquired 1", "release 1"]);
    });
  });

  it("an aborted acquire leaves the queue; the next release goes to the next waiter", async () => {
    await onLoop(async () => {
      const sem = new Semaphore(0);
      const ac = new AbortController();
      const a = watch(sem.acquire({ signal: ac.signal }));
      const b = watch(sem.acquire());
      ac.abort();
      await settle();
      expect(a.error).toBeInstanceOf(AbortError);
      expect(sem.waiting).toBe(1);
      sem.release();
      await settle();
      expect(b.done).toBe(true);
      expect(sem.value).toBe(0);
    });
  });

  it("tryAcquire takes a unit only when one is free", () => {
    const sem = new Semaphore(1);
    const release = sem.tryAcquire();
    expect(release).not.toBeNull();
    expect(sem.tryAcquire()).toBeNull();
    release?.();
    expect(sem.value).toBe(1);
  });
});

describe("BoundedSemaphore", () => {
  it("releasing above the initial value throws TooManyReleasesError", async () => {
    await onLoop(async () => {
      const sem = new BoundedSemaphore();
      expect(() => sem.release()).toThrow(TooManyReleasesError);
      await sem.acquire(); // value 0
      const f = watch(sem.acquire());
      await settle();
      expect(f.done).toBe(false);
      sem.release(); // handed to the waiter, value still 0
      await settle();
      expect(f.done).toBe(true);
      sem.release(); // value 1
      let err: unknown;
      try {
        sem.release();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(TooManyReleasesError);
      expect((err as TooManyReleasesError).code).toBe("T_ERR_TOO_MANY_RELEASES");
      expect((err as Error).message).toMatch(/BoundedSemaphore\.release\(\)/);
    });
  });
});

describe("Lock", () => {
  it("toString works locked and unlocked", async () => {
    const lock = new Lock();
    expect(String(lock)).toBe("<Lock [unlocked]>");
    await onLoop(async () => {
      await lock.acquire();
      expect(String(lock)).toBe("<Lock [locked]>");
      watch(lock.acquire());
      expect(String(lock)).toBe("<Lock [locked,waiters:1]>");
      lock.release();
    });
  });

  it("acquire waits for release", async () => {
    await onLoop(async () => {
      const lock = new Lock();
      const first = watch(lock.acquire());
      await settle();
      expect(first.done).toBe(true);
      expect(lock.locked).toBe(true);
      const second = watch(lock.acquire());
      await settle();
      expect(second.done).toBe(false);
      lock.release();
      await settle();
      expect(second.done).toBe(true);
      expect(lock.locked).toBe(true);
    });
  });

  it("waiters get the lock first-in first-out", async () => {
    await onLoop(async () => {
      const lock = new Lock();
      const release = await lock.acquire();
      const history: number[] = [];
      const tasks = Array.from({ length: 5 }, (_, i) =>
        lock.run(() => {
          history.push(i);
        }),
      );
      await settle();
      expect(history).toEqual([]);
      release();
      await Promise.all(tasks);
      expect(history).toEqual([0, 1, 2, 3, 4]);
      expect(lock.locked).toBe(false);
    });
  });

  it("acquire with a timeout rejects with TimeoutError and the lock stays held", async () => {
    await onLoop(async () => {
      const lock = new Lock();
      await lock.acquire();
      const err = await lock.acquire({ timeoutMs: 5 }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).message).toMatch(/^Lock\.acquire\(\) timed out after 5 ms/);
      expect(lock.locked).toBe(true);
      expect(lock.waiting).toBe(0);
      const f = watch(lock.acquire());
      await settle();
      expect(f.done).toBe(false);
      lock.release();
      await f.promise;
    });
  });

  it("releasing a lock that is not held throws TooManyReleasesError", async () => {
    const lock = new Lock();
    expect(() => lock.release()).toThrow(TooManyReleasesError);
    await onLoop(async () => {
      await lock.acquire();
      lock.release();
    });
    expect(() => lock.release()).toThrow(/Lock\.release\(\): the lock is not held/);
  });

  it("timeoutMs 0 acquires a free lock and rejects at once on a held one", async () => {
    await onLoop(async () => {
      const lock = new Lock();
      const release = await lock.acquire({ timeoutMs: 0 });
      await expect(lock.acquire({ timeoutMs: 0 })).rejects.toThrow(TimeoutError);
      expect(lock.waiting).toBe(0);
      release();
    });
  });
});

describe("timed waits and the loop", () => {
  it("timeouts run on the loop given in the options, even when another loop is current", async () => {
    const { loop: other } = newLoop();
    const lock = new Lock({ loop: other });
    await onLoop(async () => {
      await lock.acquire();
      expect(IOLoop.current()).not.toBe(other);
      const pending = watch(lock.acquire({ timeoutMs: 1 }));
      expect(other.pendingCount).toBe(1);
      lock.release();
      await pending.promise;
      expect(other.pendingCount).toBe(0);
    });
  });

  it("a timed wait on a closed loop throws LoopClosedError and parks nothing", async () => {
    const { loop } = newLoop();
    loop.close();
    const sem = new Semaphore(0, { loop });
    expect(() => sem.acquire({ timeoutMs: 10 })).toThrow(/closed/);
    expect(sem.waiting).toBe(0);
  });
});
