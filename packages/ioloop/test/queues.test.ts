// Queue, PriorityQueue and LifoQueue: the behaviours of Tornado's queues_test.py.

import { afterEach, describe, expect, it } from "vitest";
import {
  AbortError,
  compareNatural,
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmptyError,
  QueueFullError,
  TaskDoneError,
  TimeoutError,
} from "../src/index.js";
import { cleanup } from "./helpers.js";
import { onLoop, settle, watch } from "./sync-helpers.js";

afterEach(cleanup);

describe("Queue basics", () => {
  it("toString shows maxsize, getters, putters and tasks", async () => {
    await onLoop(async () => {
      const q = new Queue<null>({ maxsize: 1 });
      const getter = watch(q.get());
      let s = String(q);
      expect(s.startsWith("<Queue")).toBe(true);
      expect(s).toContain("maxsize=1");
      expect(s).toContain("getters[1]");
      expect(s).not.toContain("putters");
      expect(s).not.toContain("tasks");
      q.put(null);
      await getter.promise;
      q.put(null);
      q.put(null); // full: this putter waits
      s = String(q);
      expect(s).not.toContain("getters");
      expect(s).toContain("putters[1]");
      expect(s).toContain("tasks=2");
    });
  });

  it("items come out in the order they were put", () => {
    const q = new Queue<number>();
    for (const i of [1, 3, 2]) q.putNowait(i);
    expect([q.getNowait(), q.getNowait(), q.getNowait()]).toEqual([1, 3, 2]);
  });

  it("maxsize: validated, and put waits while full until a get makes room", async () => {
    expect(() => new Queue({ maxsize: null as never })).toThrow(TypeError);
    expect(() => new Queue({ maxsize: -1 })).toThrow(RangeError);
    expect(() => new Queue({ maxsize: 1.3 })).toThrow(RangeError);
    await onLoop(async () => {
      const q = new Queue<number>({ maxsize: 2 });
      expect(q.empty()).toBe(true);
      expect(q.full()).toBe(false);
      expect(q.maxsize).toBe(2);
      const p0 = watch(q.put(0));
      const p1 = watch(q.put(1));
      await settle();
      expect(p0.done && p1.done).toBe(true);
      expect(q.empty()).toBe(false);
      expect(q.full()).toBe(true);
      const put2 = watch(q.put(2));
      await settle();
      expect(put2.done).toBe(false);
      expect(await q.get()).toBe(0);
      await settle();
      expect(put2.done).toBe(true);
      expect(q.full()).toBe(true);
      expect(q.qsize()).toBe(2);
    });
  });

  it("an unbounded queue is never full", () => {
    const q = new Queue<number>();
    for (let i = 0; i < 10_000; i++) q.putNowait(i);
    expect(q.full()).toBe(false);
    expect(q.qsize()).toBe(10_000);
    for (let i = 0; i < 10_000; i++) expect(q.getNowait()).toBe(i);
    expect(q.empty()).toBe(true);
  });
});

describe("Queue.get", () => {
  it("get resolves with a queued item", async () => {
    await onLoop(async () => {
      const q = new Queue<number>();
      q.putNowait(0);
      expect(await q.get()).toBe(0);
    });
  });

  it("getNowait returns an item or throws QueueEmptyError", () => {
    const q = new Queue<number>();
    q.putNowait(0);
    expect(q.getNowait()).toBe(0);
    let err: unknown;
    try {
      q.getNowait();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QueueEmptyError);
    expect((err as QueueEmptyError).code).toBe("T_ERR_QUEUE_EMPTY");
  });

  it("get from a full queue with a waiting putter takes the item and lets the putter in", async () => {
    await onLoop(async () => {
      const q = new Queue<number>({ maxsize: 1 });
      q.putNowait(0);
      const put = watch(q.put(1));
      expect(await q.get()).toBe(0);
      await put.promise;
      expect(put.value).toBeUndefined();
      expect(q.getNowait()).toBe(1);
    });
  });

  it("get waits for items put later from loop timeouts", async () => {
    await onLoop(async (loop) => {
      const q = new Queue<number>();
      q.put(0);
      loop.callLater(1, () => q.putNowait(1));
      loop.callLater(2, () => q.putNowait(2));
      expect(await q.get({ timeoutMs: 60_000 })).toBe(0);
      expect(await q.get({ timeoutMs: 60_000 })).toBe(1);
      expect(await q.get({ timeoutMs: 60_000 })).toBe(2);
    });
  });

  it("a timed-out get rejects with TimeoutError and the next getter gets the item", async () => {
    await onLoop(async () => {
      const q = new Queue<number>();
      const timed = q.get({ timeoutMs: 5 });
      const get = watch(q.get());
      const err = await timed.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as Error).message).toBe("Queue.get() timed out after 5 ms");
      q.putNowait(0);
      expect(await get.promise).toBe(0);
    });
  });

  it("get with timeoutMs 0 rejects at once on an empty queue", async () => {
    await onLoop(async (loop) => {
      const q = new Queue<number>();
      const before = loop.pendingCount;
      await expect(q.get({ timeoutMs: 0 })).rejects.toThrow(TimeoutError);
      expect(q.pendingGets).toBe(0);
      expect(loop.pendingCount).toBe(before);
      q.putNowait(7);
      expect(await q.get({ timeoutMs: 0 })).toBe(7);
    });
  });

  it("a put before the timeout wins and releases the timer", async () => {
    await onLoop(async (loop) => {
      const q = new Queue<number>();
      const before = loop.pendingCount;
      const get = q.get({ timeoutMs: 60_000 });
      expect(loop.pendingCount).toBe(before + 1);
      q.put(0);
      expect(await get).toBe(0);
      expect(loop.pendingCount).toBe(before);
    });
  });

  it("timed-out putters leave at their timeout, not at the next get", async () => {
    await onLoop(async () => {
      const q = new Queue<number>({ maxsize: 1 });
      const putters = Array.from({ length: 10 }, (_, i) => watch(q.put(i, { timeoutMs: 5 })));
      const put = watch(q.put(10));
      expect(q.pendingPuts).toBe(10);
      await Promise.allSettled(putters.map((p) => p.promise));
      expect(q.pendingPuts).toBe(1);
      expect(put.done).toBe(false);
      const put11 = watch(q.put(11));
      expect(await q.get()).toBe(0);
      expect(q.pendingPuts).toBe(1); // 10 moved in; 11 waits
      expect(putters[0]?.error).toBeUndefined();
      for (const p of putters.slice(1)) expect(p.error).toBeInstanceOf(TimeoutError);
      expect(await q.get()).toBe(10);
      expect(await q.get()).toBe(11);
      await put11.promise;
    });
  });

  it("timed-out getters leave at their timeout", async () => {
    await onLoop(async () => {
      const q = new Queue<number>();
      const getters = Array.from({ length: 10 }, () => watch(q.get({ timeoutMs: 5 })));
      const get = watch(q.get());
      expect(q.pendingGets).toBe(11);
      await Promise.allSettled(getters.map((g) => g.promise));
      expect(q.pendingGets).toBe(1);
      expect(get.done).toBe(false);
      for (const g of getters) expect(g.error).toBeInstanceOf(TimeoutError);
      q.putNowait(3);
      expect(await get.promise).toBe(3);
    });
  });

  it("for await iterates over the items", async () => {
    await onLoop(async () => {
      const q = new Queue<number>();
      for (let i = 0; i < 5; i++) q.put(i);
      const results: number[] = [];
      for await (const i of q) {
        results.push(i);
        if (i === 4) break;
      }
      expect(results).toEqual([0, 1, 2, 3, 4]);
      expect(q.pendingGets).toBe(0);
    });
  });

  it("iterate({ signal }) waits for items and rejects with AbortError once aborted", async () => {
    await onLoop(async (loop) => {
      const q = new Queue<number>();
      const ac = new AbortController();
      const seen: number[] = [];
      const consumer = (async () => {
        for await (const item of q.iterate({ signal: ac.signal })) {
          seen.push(item);
          q.taskDone();
        }
      })();
      const outcome = watch(consumer);
      loop.callLater(1, () => q.putNowait(1));
      loop.callLater(2, () => q.putNowait(2));
      // Same deadline as the second put, added later: runs after it.
      await new Promise((resolve) => loop.callLater(2, resolve));
      await q.join();
      expect(seen).toEqual([1, 2]);
      expect(q.pendingGets).toBe(1);
      ac.abort();
      await settle();
      expect(outcome.error).toBeInstanceOf(AbortError);
      expect(q.pendingGets).toBe(0);
    });
  });
});

describe("Queue.put", () => {
  it("put on a queue with room resolves and the item is there", async () => {
    await onLoop(async () => {
      const q = new Queue<number>();
      await q.put(0);
      expect(q.getNowait()).toBe(0);
    });
  });

  it("putNowait on a full queue throws QueueFullError", () => {
    const q = new Queue<number>({ maxsize: 1 });
    q.putNowait(0);
    let err: unknown;
    try {
      q.putNowait(1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QueueFullError);
    expect((err as QueueFullError).code).toBe("T_ERR_QUEUE_FULL");
    expect(q.qsize()).toBe(1);
  });

  it("put hands items to waiting getters in order", async () => {
    await onLoop(async () => {
      const q = new Queue<number>();
      const get0 = q.get();
      const get1 = q.get();
      await q.put(0);
      expect(await get0).toBe(0);
      q.putNowait(1);
      expect(await get1).toBe(1);
      expect(q.qsize()).toBe(0);
    });
  });

  it("puts on a full queue wait for gets from loop timeouts", async () => {
    await onLoop(async (loop) => {
      const q = new Queue<number>({ maxsize: 1 });
      q.putNowait(0);
      loop.callLater(1, () => q.get());
      loop.callLater(2, () => q.get());
      const puts = [watch(q.put(0)), watch(q.put(1))];
      await settle();
      expect(puts.some((p) => p.done)).toBe(false);
      await Promise.all(puts.map((p) => p.promise));
    });
  });

  it("a timed-out put rejects with TimeoutError and its item is never put", async () => {
    await onLoop(async () => {
      const q = new Queue<number>({ maxsize: 1 });
      q.putNowait(0);
      const timed = q.put(1, { timeoutMs: 5 });
      const put = watch(q.put(2));
      await expect(timed).rejects.toThrow(TimeoutError);
      expect(q.getNowait()).toBe(0);
      expect(await q.get()).toBe(2);
      await put.promise;
      expect(q.empty()).toBe(true);
    });
  });

  it("a get before the timeout lets the timed put in", async () => {
    await onLoop(async () => {
      const q = new Queue<number>({ maxsize: 1 });
      q.putNowait(0);
      const put = q.put(1, { timeoutMs: 60_000 });
      q.get();
      await put;
      expect(q.getNowait()).toBe(1);
    });
  });

  it("an aborted put rejects with AbortError and its item is never put", async () => {
    await onLoop(async () => {
      const q = new Queue<string>({ maxsize: 1 });
      q.putNowait("a");
      const ac = new AbortController();
      const put = watch(q.put("b", { signal: ac.signal }));
      ac.abort(new Error("client went away"));
      await settle();
      expect(put.error).toBeInstanceOf(AbortError);
      expect(q.pendingPuts).toBe(0);
      expect(q.getNowait()).toBe("a");
      expect(q.empty()).toBe(true);
      expect(q.unfinishedTasks).toBe(1);
    });
  });
});

describe("join and taskDone", () => {
  for (const [name, make] of [
    ["Queue", () => new Queue<number>()],
    ["PriorityQueue", () => new PriorityQueue<number>()],
    ["LifoQueue", () => new LifoQueue<number>()],
  ] as const) {
    describe(name, () => {
      it("taskDone with no unfinished task throws TaskDoneError", () => {
        const q = make();
        let err: unknown;
        try {
          q.taskDone();
        } catch (e) {
          err = e;
        }
        expect(err).toBeInstanceOf(TaskDoneError);
        expect((err as TaskDoneError).code).toBe("T_ERR_TOO_MANY_TASK_DONE");
        q.putNowait(1);
        q.getNowait();
        q.taskDone();
        expect(() => q.taskDone()).toThrow(TaskDoneError);
      });

      it("two workers share 100 tasks and join resolves when all are done", async () => {
        await onLoop(async (loop) => {
          const q = make();
          for (let i = 0; i < 100; i++) q.putNowait(i);
          let accumulator = 0;
          const stop = new AbortController();
          const worker = async () => {
            for (;;) {
              const item = await q.get({ signal: stop.signal });
              accumulator += item;
              q.taskDone();
              await new Promise((resolve) => loop.callLater(Math.random(), resolve));
            }
          };
          const workers = [worker(), worker()].map((w) => w.catch((err: unknown) => err));
          await q.join();
          expect(accumulator).toBe(4950);
          stop.abort();
          for (const err of await Promise.all(workers)) expect(err).toBeInstanceOf(AbortError);
        });
      });

      it("it is taskDone, not get, that resolves join", async () => {
        await onLoop(async () => {
          const q = make();
          q.putNowait(0);
          const join = watch(q.join());
          await settle();
          expect(join.done).toBe(false);
          await q.get();
          await settle();
          expect(join.done).toBe(false);
          q.taskDone();
          await settle();
          expect(join.done).toBe(true);
        });
      });

      it("join on an empty queue resolves at once, twice", async () => {
        await onLoop(async () => {
          const q = make();
          await q.join();
          await q.join();
        });
      });

      it("join with a timeout rejects with TimeoutError", async () => {
        await onLoop(async () => {
          const q = make();
          q.put(0);
          await expect(q.join({ timeoutMs: 5 })).rejects.toThrow(TimeoutError);
        });
      });
    });
  }
});

describe("PriorityQueue", () => {
  it("hands out the lowest [priority, data] pair first, waiting putters included", async () => {
    await onLoop(async () => {
      const q = new PriorityQueue<[number, string]>({ maxsize: 2 });
      q.putNowait([1, "a"]);
      q.putNowait([0, "b"]);
      expect(q.full()).toBe(true);
      q.put([3, "c"]);
      q.put([2, "d"]);
      expect(q.getNowait()).toEqual([0, "b"]);
      expect(await q.get()).toEqual([1, "a"]);
      expect(q.getNowait()).toEqual([2, "d"]);
      expect(await q.get()).toEqual([3, "c"]);
      expect(q.empty()).toBe(true);
    });
  });

  it("equal priorities come out in the order they were put", () => {
    const q = new PriorityQueue<{ p: number; id: number }>({ compare: (a, b) => a.p - b.p });
    for (let id = 0; id < 50; id++) q.putNowait({ p: id % 3, id });
    const out = Array.from({ length: 50 }, () => q.getNowait());
    for (let i = 1; i < out.length; i++) {
      const a = out[i - 1] as { p: number; id: number };
      const b = out[i] as { p: number; id: number };
      expect(a.p < b.p || (a.p === b.p && a.id < b.id)).toBe(true);
    }
  });

  it("sorts 2000 random numbers like Array.prototype.sort", () => {
    const q = new PriorityQueue<number>();
    const input = Array.from({ length: 2000 }, () => Math.floor(Math.random() * 500));
    for (const x of input) q.putNowait(x);
    const out = Array.from({ length: input.length }, () => q.getNowait());
    expect(out).toEqual([...input].sort((a, b) => a - b));
  });

  it("compareNatural orders numbers, strings and arrays like Python tuples", () => {
    expect(compareNatural(1, 2)).toBeLessThan(0);
    expect(compareNatural("b", "a")).toBeGreaterThan(0);
    expect(compareNatural([1, "z"], [2, "a"])).toBeLessThan(0);
    expect(compareNatural([1, "b"], [1, "a"])).toBeGreaterThan(0);
    expect(compareNatural([1], [1, 0])).toBeLessThan(0);
    expect(compareNatural([1, 2], [1, 2])).toBe(0);
    expect(() => new PriorityQueue({ compare: 3 as never })).toThrow(TypeError);
  });
});

describe("LifoQueue", () => {
  it("hands out the newest item first, waiting putters included", async () => {
    await onLoop(async () => {
      const q = new LifoQueue<number>({ maxsize: 2 });
      q.putNowait(1);
      q.putNowait(0);
      expect(q.full()).toBe(true);
      q.put(3);
      q.put(2);
      expect(q.getNowait()).toBe(3);
      expect(await q.get()).toBe(2);
      expect(q.getNowait()).toBe(0);
      expect(await q.get()).toBe(1);
      expect(q.empty()).toBe(true);
      expect(String(q)).toContain("<LifoQueue");
    });
  });
});

describe("producer and consumer", () => {
  it("a consumer that does not wait between get and taskDone still sees all ten items", async () => {
    await onLoop(async () => {
      const q = new Queue<number>({ maxsize: 3 });
      const history: number[] = [];
      const stop = new AbortController();
      const consumer = (async () => {
        for await (const item of q.iterate({ signal: stop.signal })) {
          history.push(item);
          q.taskDone();
        }
      })().catch((err: unknown) => err);
      for (let item = 0; item < 10; item++) await q.put(item);
      await q.join();
      expect(history).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      stop.abort();
      expect(await consumer).toBeInstanceOf(AbortError);
    });
  });

  it("a FIFO queue stays correct across many put/get cycles (storage compaction)", () => {
    const q = new Queue<number>();
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 300; i++) q.putNowait(next++);
      for (let i = 0; i < 250; i++) expect(q.getNowait()).toBe(expected++);
    }
    expect(q.qsize()).toBe(next - expected);
    while (!q.empty()) expect(q.getNowait()).toBe(expected++);
    expect(expected).toBe(next);
  });
});
