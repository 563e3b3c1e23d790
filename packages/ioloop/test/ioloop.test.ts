import { closeSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { close, READ as PN_READ, WRITE as PN_WRITE, read } from "@t/poller-native";
import { afterEach, describe, expect, it } from "vitest";
import {
  ERROR,
  FdRegisteredError,
  FdUnknownError,
  IOLoop,
  LoopClosedError,
  LoopRunningError,
  LoopStoppedError,
  READ,
  TimeoutError,
  type TimeoutHandle,
  WRITE,
} from "../src/index.js";
import { expectLog } from "./expect-log.js";
import {
  cleanup,
  newLoop,
  newPipe,
  newSocketpair,
  untrack,
  withTimeout,
  writeString,
} from "./helpers.js";

afterEach(cleanup);

const buf = Buffer.alloc(4096);

/** Reads what is available from a non-blocking fd as a string ("" at EAGAIN). */
function readString(fd: number): string {
  const n = read(fd, buf, 0, buf.length);
  return n > 0 ? buf.toString("utf8", 0, n) : "";
}

describe("event bits", () => {
  it("re-exports the poller's READ/WRITE/ERROR with Tornado's values", () => {
    expect([READ, WRITE, ERROR]).toEqual([0x001, 0x004, 0x018]);
    expect(READ).toBe(PN_READ);
    expect(WRITE).toBe(PN_WRITE);
  });
});

describe("callbacks", () => {
  it("run in the order added, with their arguments", async () => {
    const { loop } = newLoop();
    const seen: unknown[] = [];
    const result = await loop.runSync(
      () =>
        new Promise<string>((resolve) => {
          loop.addCallback((a: number, b: string) => seen.push([a, b]), 1, "one");
          loop.spawnCallback(() => seen.push("spawned"));
          loop.addCallback(() => resolve("done"));
        }),
      { timeoutMs: 5000 },
    );
    expect(result).toBe("done");
    expect(seen).toEqual([[1, "one"], "spawned"]);
  });

  it("callbacks added while callbacks run wait for the next iteration, after pending I/O", async () => {
    const { loop } = newLoop();
    const [r, w] = newPipe();
    const order: string[] = [];
    await loop.runSync(
      () =>
        new Promise<void>((resolve) => {
          loop.addHandler(
            r,
            (fd) => {
              order.push(`handler:${readString(fd)}`);
            },
            READ,
          );
          loop.addCallback(() => {
            order.push("first");
            loop.addCallback(() => {
              order.push("later");
              resolve();
            });
            writeString(w, "x"); // ready before the next iteration
            order.push("first-end");
          });
          loop.addCallback(() => order.push("second"));
        }),
      { timeoutMs: 5000 },
    );
    expect(order).toEqual(["first", "first-end", "second", "handler:x", "later"]);
  });

  it("a callback that re-adds itself forever does not starve descriptor handlers", async () => {
    const { loop } = newLoop();
    const [r, w] = newPipe();
    let spins = 0;
    const spinner = () => {
      spins++;
      loop.addCallback(spinner);
    };
    const spinsAtIo = await loop.runSync(
      () =>
        new Promise<number>((resolve) => {
          loop.addHandler(
            r,
            () => {
              loop.removeHandler(r);
              resolve(spins);
            },
            READ,
          );
          loop.addCallback(spinner);
          loop.addCallback(() => writeString(w, "go"));
        }),
      { timeoutMs: 5000 },
    );
    expect(spinsAtIo).toBeLessThan(10);
  });

  it("callbacks scheduled from a handler run on the loop", async () => {
    const { loop } = newLoop();
    const [r, w] = newPipe();
    const got = await loop.runSync(
      () =>
        new Promise<string>((resolve) => {
          loop.addHandler(
            r,
            (fd) => {
              const text = readString(fd);
              loop.addCallback((t: string) => resolve(`callback saw ${t}`), text);
            },
            READ,
          );
          writeString(w, "ping");
        }),
      { timeoutMs: 5000 },
    );
    expect(got).toBe("callback saw ping");
  });

  it("do not run while the loop is stopped, and run once it starts", async () => {
    const { loop } = newLoop();
    let ran = 0;
    loop.addCallback(() => ran++);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ran).toBe(0);
    await loop.runSync(() => new Promise<void>((resolve) => loop.addCallback(resolve)), {
      timeoutMs: 5000,
    });
    expect(ran).toBe(1);
  });

  it("a thrown error or rejected promise is logged with its stack and the loop goes on", async () => {
    const { loop, log } = newLoop();
    const { result, records } = await expectLog(log, "error", /Exception in callback/, () =>
      loop.runSync(
        () =>
          new Promise<string>((resolve) => {
            loop.addCallback(function explodes() {
              throw new Error("sync boom");
            });
            loop.addCallback(async () => {
              throw new Error("async boom");
            });
            loop.callLater(1, () => resolve("still running"));
          }),
        { timeoutMs: 5000 },
      ),
    );
    expect(result).toBe("still running");
    expect(records).toHaveLength(2);
    expect(records[0]?.message).toMatch(/explodes/);
    expect(records[0]?.err?.stack).toMatch(/sync boom\n\s+at /);
    expect(records[1]?.err?.message).toBe("async boom");
  });

  it("rejects a non-function with TypeError", () => {
    const { loop } = newLoop();
    expect(() => loop.addCallback(42 as never)).toThrow(TypeError);
    expect(() => loop.spawnCallback(undefined as never)).toThrow(/callback must be a function/);
  });
});

describe("timeouts", () => {
  it("fire in deadline order, and equal deadlines in insertion order", async () => {
    const { loop } = newLoop();
    const order: string[] = [];
    await loop.runSync(
      () =>
        new Promise<void>((resolve) => {
          // Deadlines from one base: a pause between the calls (GC, a busy machine) must not
          // reorder them.
          const base = loop.time();
          const t = base + 30;
          loop.callAt(t, () => order.push("t30-a"));
          loop.callAt(base + 10, (tag: string) => order.push(tag), "t10");
          loop.addTimeout(t, () => order.push("t30-b"));
          loop.callAt(t, () => order.push("t30-c"));
          loop.callAt(base + 20, () => order.push("t20"));
          loop.callAt(base + 40, resolve);
        }),
      { timeoutMs: 5000 },
    );
    expect(order).toEqual(["t10", "t20", "t30-a", "t30-b", "t30-c"]);
  });

  it("never fire before their deadline", async () => {
    const { loop } = newLoop();
    const lateness = await loop.runSync(
      () =>
        Promise.all(
          [1, 5, 15, 25].map(
            (delayMs) =>
              new Promise<number>((resolve) => {
                const h: TimeoutHandle = loop.callLater(delayMs, () =>
                  resolve(loop.time() - h.deadline),
                );
              }),
          ),
        ),
      { timeoutMs: 5000 },
    );
    for (const late of lateness) expect(late).toBeGreaterThanOrEqual(0);
  });

  it("a timeout scheduled in the past runs in the next iteration, not at once", async () => {
    const { loop } = newLoop();
    const order: string[] = [];
    await loop.runSync(
      () =>
        new Promise<void>((resolve) => {
          loop.callLater(1, () => {
            order.push("t1");
            loop.callAt(loop.time() - 1000, () => {
              order.push("past");
              resolve();
            });
            loop.addCallback(() => order.push("callback"));
            order.push("t1-end");
          });
        }),
      { timeoutMs: 5000 },
    );
    expect(order).toEqual(["t1", "t1-end", "callback", "past"]);
  });

  it("a timeout removed from inside a callback or an earlier timeout does not fire", async () => {
    const { loop } = newLoop();
    const fired: string[] = [];
    await loop.runSync(
      () =>
        new Promise<void>((resolve) => {
          const deadline = loop.time() + 5;
          const victimOfTimeout = loop.callAt(deadline + 1, () => fired.push("victim1"));
          loop.callAt(deadline, () => {
            fired.push("remover");
            loop.removeTimeout(victimOfTimeout);
          });
          loop.callAt(deadline + 1, () => fired.push("survivor"));
          const victimOfCallback = loop.callAt(loop.time() - 1, () => fired.push("victim2"));
          loop.addCallback(() => loop.removeTimeout(victimOfCallback));
          loop.callLater(30, resolve);
        }),
      { timeoutMs: 5000 },
    );
    expect(fired).toEqual(["remover", "survivor"]);
  });

  it("a due timeout removed by an earlier timeout of the same pass does not fire", async () => {
    const { loop } = newLoop();
    const fired: string[] = [];
    await loop.runSync(
      () =>
        new Promise<void>((resolve) => {
          const at = loop.time() + 10;
          let second: ReturnType<IOLoop["callAt"]> | null = null;
          loop.callAt(at, () => {
            fired.push("first");
            if (second) loop.removeTimeout(second);
          });
          second = loop.callAt(at, () => fired.push("second"));
          loop.callLater(30, resolve);
        }),
      { timeoutMs: 5000 },
    );
    expect(fired).toEqual(["first"]);
  });

  it("removeTimeout is safe on fired and removed handles and rejects foreign values", async () => {
    const { loop } = newLoop();
    const handle = await loop.runSync(
      () =>
        new Promise<ReturnType<IOLoop["callLater"]>>((resolve) => {
          const h: TimeoutHandle = loop.callLater(1, () => resolve(h));
        }),
      { timeoutMs: 5000 },
    );
    expect(() => loop.removeTimeout(handle)).not.toThrow();
    expect(() => loop.removeTimeout(handle)).not.toThrow();
    expect(() => loop.removeTimeout({ deadline: 1 })).toThrow(TypeError);
    expect(() => loop.callLater(Number.NaN, () => {})).toThrow(RangeError);
    expect(() => loop.callLater("5" as never, () => {})).toThrow(TypeError);
  });

  it("an exception in a timeout is logged and later timeouts still fire", async () => {
    const { loop, log } = newLoop();
    const { result } = await expectLog(log, "error", /Exception in timeout failing/, () =>
      loop.runSync(
        () =>
          new Promise<string>((resolve) => {
            loop.callLater(1, function failing() {
              throw new RangeError("timeout boom");
            });
            loop.callLater(5, () => resolve("after"));
          }),
        { timeoutMs: 5000 },
      ),
    );
    expect(result).toBe("after");
  });

  it("arms at most one Node timer and one immediate however many timeouts and callbacks wait", async () => {
    const { loop } = newLoop();
    const count = (kind: string) =>
      process.getActiveResourcesInfo().filter((name) => name === kind).length;
    const [timersBefore, immediatesBefore] = [count("Timeout"), count("Immediate")];
    const seen = await loop.runSync(
      () => {
        for (let i = 0; i < 1000; i++) loop.callLater(100 + ((i * 7919) % 900), () => {});
        for (let i = 0; i < 1000; i++) loop.addCallback(() => {});
        return [count("Timeout") - timersBefore, count("Immediate") - immediatesBefore];
      },
      { timeoutMs: 5000 },
    );
    // runSync's own timeout is one of the heap's timeouts, not another Node timer
    expect(seen[0]).toBeLessThanOrEqual(1);
    expect(seen[1]).toBeLessThanOrEqual(1);
  });

  it("100k timeouts added and cancelled leave the heap compacted and nothing fires", async () => {
    const { loop } = newLoop();
    let fired = 0;
    const onFire = () => fired++;
    await loop.runSync(async () => {
      for (let i = 0; i < 100_000; i++) {
        loop.removeTimeout(loop.callLater(1 + (i % 50), onFire));
      }
      await new Promise<void>((resolve) => loop.callLater(60, resolve));
    });
    expect(fired).toBe(0);
    const heap = (loop as unknown as { heap: { size: number; compactionCount: number } }).heap;
    expect(heap.size).toBeLessThanOrEqual(1024);
    expect(heap.compactionCount).toBeGreaterThan(100);
    expect(loop.pendingCount).toBe(0);
  });
});

describe("descriptor handlers", () => {
  it("dispatch READ when data arrives and WRITE when writable, switching with updateHandler", async () => {
    const { loop } = newLoop();
    const [a, b] = newSocketpair();
    const events: string[] = [];
    await loop.runSync(
      () =>
        new Promise<void>((resolve) => {
          loop.addHandler(
            a,
            (fd, ev) => {
              if (ev & WRITE) {
                events.push("writable");
                loop.updateHandler(fd, READ);
                writeString(b, "hello");
              } else if (ev & READ) {
                events.push(`read:${readString(fd)}`);
                resolve();
              }
            },
            WRITE,
          );
        }),
      { timeoutMs: 5000 },
    );
    expect(events).toEqual(["writable", "read:hello"]);
  });

  it("reports ERROR (hang-up) when the peer closes", async () => {
    const { loop } = newLoop();
    const [r, w] = newPipe();
    const ev = await loop.runSync(
      () =>
        new Promise<number>((resolve) => {
          loop.addHandler(r, (_fd, events) => resolve(events), READ);
          loop.addCallback(() => {
            // closing the write end makes the read end report hang-up
            untrack(w);
            close(w);
          });
        }),
      { timeoutMs: 5000 },
    );
    expect(ev & ERROR).not.toBe(0);
  });

  it("addHandler twice throws FdRegisteredError; updateHandler of an unknown fd throws FdUnknownError", () => {
    const { loop } = newLoop();
    const [r] = newPipe();
    loop.addHandler(r, () => {}, READ);
    let caught: unknown;
    try {
      loop.addHandler(r, () => {}, READ);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(FdRegisteredError);
    expect((caught as FdRegisteredError).code).toBe("T_ERR_FD_REGISTERED");
    expect(() => loop.updateHandler(r + 1000, READ)).toThrow(
      expect.objectContaining({ code: "T_ERR_FD_UNKNOWN", name: "FdUnknownError" }),
    );
    expect(() => loop.updateHandler(r + 1000, READ)).toThrow(FdUnknownError);
    expect(() => loop.removeHandler(r + 1000)).not.toThrow();
    loop.removeHandler(r);
    expect(loop.handlerSize).toBe(0);
    expect(() => loop.updateHandler(r, READ)).toThrow(FdUnknownError);
  });

  it("a descriptor the kernel refuses is not registered (epoll: regular file -> EPERM)", () => {
    const { loop } = newLoop({ backend: "epoll" });
    const fd = openSync(fileURLToPath(import.meta.url), "r");
    try {
      expect(() => loop.addHandler(fd, () => {}, READ)).toThrow(
        expect.objectContaining({ code: "EPERM" }),
      );
      expect(loop.handlerSize).toBe(0);
      expect(() => loop.updateHandler(fd, READ)).toThrow(FdUnknownError);
    } finally {
      closeSync(fd);
    }
  });

  it("rejects bad arguments with TypeError/RangeError", () => {
    const { loop } = newLoop();
    const [r] = newPipe();
    expect(() => loop.addHandler(-1, () => {}, READ)).toThrow(RangeError);
    expect(() => loop.addHandler(1.5, () => {}, READ)).toThrow(RangeError);
    expect(() => loop.addHandler("3" as never, () => {}, READ)).toThrow(TypeError);
    expect(() => loop.addHandler(r, null as never, READ)).toThrow(TypeError);
    expect(() => loop.addHandler(r, () => {}, 0x100)).toThrow(RangeError);
    expect(() => loop.addHandler(r, () => {}, "r" as never)).toThrow(TypeError);
    expect(loop.handlerSize).toBe(0);
  });

  it("removeHandler inside a batch drops the later events of that fd", async () => {
    const { loop } = newLoop();
    const [r1, w1] = newPipe();
    const [r2, w2] = newPipe();
    const calls: number[] = [];
    await loop.runSync(
      () =>
        new Promise<void>((resolve) => {
          // Whichever runs first removes the other; both are ready in the same batch.
          loop.addHandler(
            r1,
            (fd) => {
              calls.push(fd);
              loop.removeHandler(r2);
              loop.removeHandler(r1);
            },
            READ,
          );
          loop.addHandler(
            r2,
            (fd) => {
              calls.push(fd);
              loop.removeHandler(r1);
              loop.removeHandler(r2);
            },
            READ,
          );
          writeString(w1, "a");
          writeString(w2, "b");
          loop.callLater(30, resolve);
        }),
      { timeoutMs: 5000 },
    );
    expect(calls).toHaveLength(1);
  });

  it("a handler that throws is logged with the fd, and other handlers keep running", async () => {
    const { loop, log } = newLoop();
    const [r1, w1] = newPipe();
    const [r2, w2] = newPipe();
    const { result } = await expectLog(log, "error", new RegExp(`handler for fd ${r1}`), () =>
      loop.runSync(
        () =>
          new Promise<string>((resolve) => {
            loop.addHandler(
              r1,
              () => {
                loop.removeHandler(r1);
                throw new Error("handler boom");
              },
              READ,
            );
            writeString(w1, "x");
            loop.callLater(10, () => {
              loop.addHandler(r2, (fd) => resolve(readString(fd)), READ);
              writeString(w2, "alive");
            });
          }),
        { timeoutMs: 5000 },
      ),
    );
    expect(result).toBe("alive");
  });

  it("an async handler whose promise rejects is logged, and the loop goes on", async () => {
    const { loop, log } = newLoop();
    const [r, w] = newPipe();
    const { result } = await expectLog(log, "error", /async handler boom/, () =>
      loop.runSync(
        () =>
          new Promise<string>((resolve) => {
            loop.addHandler(
              r,
              async (fd) => {
                loop.removeHandler(fd);
                await Promise.resolve();
                throw new Error("async handler boom");
              },
              READ,
            );
            writeString(w, "x");
            loop.callLater(20, () => resolve("alive"));
          }),
        { timeoutMs: 5000 },
      ),
    );
    expect(result).toBe("alive");
  });

  it("a handler registered while stopped is dispatched once the loop starts", async () => {
    const { loop } = newLoop();
    const [r, w] = newPipe();
    let calls = 0;
    loop.addHandler(
      r,
      (fd) => {
        calls++;
        readString(fd);
        loop.stop();
      },
      READ,
    );
    writeString(w, "queued");
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(calls).toBe(0);
    await withTimeout(loop.start(), 5000, "start");
    expect(calls).toBe(1);
  });
});

describe("start, stop, runSync", () => {
  it("start resolves on stop and the loop can be restarted", async () => {
    const { loop } = newLoop();
    expect(loop.running).toBe(false);
    loop.addCallback(() => loop.stop());
    await withTimeout(loop.start(), 5000, "first run");
    expect(loop.running).toBe(false);
    let second = false;
    loop.callLater(5, () => {
      second = true;
      loop.stop();
    });
    await withTimeout(loop.start(), 5000, "second run");
    expect(second).toBe(true);
  });

  it("stop inside a drain leaves the remaining callbacks for the next start", async () => {
    const { loop } = newLoop();
    const order: string[] = [];
    loop.addCallback(() => {
      order.push("a");
      loop.stop();
    });
    loop.addCallback(() => {
      order.push("b");
      loop.stop();
    });
    await withTimeout(loop.start());
    expect(order).toEqual(["a"]);
    await withTimeout(loop.start());
    expect(order).toEqual(["a", "b"]);
  });

  it("stop inside a due timeout leaves the later due timeouts, in order, for the next start", async () => {
    const { loop } = newLoop();
    const order: string[] = [];
    const at = loop.time() + 2;
    loop.callAt(at, () => {
      order.push("a");
      loop.stop();
    });
    loop.callAt(at, () => order.push("b"));
    loop.callAt(at, () => {
      order.push("c");
      loop.stop();
    });
    await withTimeout(loop.start());
    expect(order).toEqual(["a"]);
    await withTimeout(loop.start());
    expect(order).toEqual(["a", "b", "c"]);
  });

  it("start while running throws LoopRunningError; stop when stopped is a no-op", async () => {
    const { loop } = newLoop();
    loop.stop();
    const running = loop.start();
    expect(() => loop.start()).toThrow(LoopRunningError);
    expect(() => loop.runSync(() => 1)).toThrow(LoopRunningError);
    loop.stop();
    await withTimeout(running);
  });

  it("runSync returns a sync or async result and rethrows sync or async errors", async () => {
    const { loop } = newLoop();
    expect(await loop.runSync(() => 42)).toBe(42);
    expect(
      await loop.runSync(async () => {
        await new Promise<void>((resolve) => loop.callLater(2, resolve));
        return "async";
      }),
    ).toBe("async");
    await expect(
      loop.runSync(() => {
        throw new TypeError("sync failure");
      }),
    ).rejects.toThrow("sync failure");
    await expect(loop.runSync(() => Promise.reject(new Error("async failure")))).rejects.toThrow(
      "async failure",
    );
    expect(loop.running).toBe(false);
  });

  it("runSync rejects with TimeoutError (T_ERR_TIMEOUT) when fn takes longer than timeoutMs", async () => {
    const { loop } = newLoop();
    const started = performance.now();
    const err = await loop
      .runSync(() => new Promise(() => {}), { timeoutMs: 30 })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as TimeoutError).code).toBe("T_ERR_TIMEOUT");
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
    expect(loop.running).toBe(false);
    // the loop is usable afterwards
    expect(await loop.runSync(() => "again", { timeoutMs: 1000 })).toBe("again");
  });

  it("runSync rejects with LoopStoppedError when the loop is stopped under it", async () => {
    const { loop } = newLoop();
    await expect(
      loop.runSync(() => {
        loop.callLater(1, () => loop.stop());
        return new Promise(() => {});
      }),
    ).rejects.toThrow(LoopStoppedError);
    expect(() => loop.runSync(() => 1, { timeoutMs: 0 })).toThrow(RangeError);
  });

  it("a runSync stopped before its function ran never runs it, and a later runSync works", async () => {
    const { loop } = newLoop();
    let called = false;
    const first = loop.runSync(() => {
      called = true;
      return "first";
    });
    loop.stop(); // before the loop ran fn's callback
    await expect(first).rejects.toThrow(LoopStoppedError);
    expect(await loop.runSync(() => "second", { timeoutMs: 5000 })).toBe("second");
    expect(called).toBe(false);
  });

  it("IOLoop.current() is the dispatching loop inside callbacks, else the one made current", async () => {
    const { loop } = newLoop();
    const { loop: other } = newLoop({ makeCurrent: true });
    expect(IOLoop.current()).toBe(other);
    expect(await loop.runSync(() => IOLoop.current())).toBe(loop);
    expect(IOLoop.current()).toBe(other);
    loop.makeCurrent();
    expect(IOLoop.current()).toBe(loop);
    IOLoop.clearCurrent();
    const created = IOLoop.current();
    expect(created).not.toBe(loop);
    expect(created).not.toBe(other);
    expect(IOLoop.current()).toBe(created);
    created.close();
  });

  it("addFuture runs the callback on the loop with the settled promise", async () => {
    const { loop } = newLoop();
    const out = await loop.runSync(
      () =>
        new Promise<unknown[]>((resolve) => {
          const results: unknown[] = [];
          loop.addFuture(Promise.resolve(7), async (p) => {
            const onLoop = IOLoop.current() === loop; // before the first await
            results.push(await p, onLoop);
          });
          loop.addFuture(Promise.reject(new Error("nope")), async (p) => {
            results.push(await p.catch((e: Error) => e.message));
            resolve(results);
          });
        }),
      { timeoutMs: 5000 },
    );
    expect(out).toEqual([7, true, "nope"]);
  });

  it("two loops run at once, each dispatching its own descriptors", async () => {
    const { loop: one } = newLoop();
    const { loop: two } = newLoop();
    const [r1, w1] = newPipe();
    const [r2, w2] = newPipe();
    const seen: string[] = [];
    one.addHandler(
      r1,
      (fd) => {
        seen.push(`one:${readString(fd)}:${IOLoop.current() === one}`);
        one.stop();
      },
      READ,
    );
    two.addHandler(
      r2,
      (fd) => {
        seen.push(`two:${readString(fd)}:${IOLoop.current() === two}`);
        two.stop();
      },
      READ,
    );
    const both = Promise.all([one.start(), two.start()]);
    writeString(w2, "b");
    writeString(w1, "a");
    await withTimeout(both, 5000, "two loops");
    expect(seen.sort()).toEqual(["one:a:true", "two:b:true"]);
  });
});

describe("close", () => {
  it("close() releases the poller but leaves the descriptors open", async () => {
    const { loop } = newLoop();
    const [r, w] = newPipe();
    loop.addHandler(r, () => {}, READ);
    loop.addCallback(() => {
      throw new Error("must not run");
    });
    loop.close();
    expect(loop.closed).toBe(true);
    writeString(w, "still open");
    expect(readString(r)).toBe("still open");
    expect(() => loop.start()).toThrow(LoopClosedError);
    expect(() => loop.addHandler(r, () => {}, READ)).toThrow(
      expect.objectContaining({ code: "T_ERR_LOOP_CLOSED" }),
    );
    expect(() => loop.callLater(1, () => {})).toThrow(LoopClosedError);
    expect(() => loop.runInExecutor("/x.mjs")).toThrow(LoopClosedError);
    loop.addCallback(() => {}); // ignored after close, as in Tornado
    loop.close(); // idempotent
  });

  it("close(true) closes every registered descriptor", () => {
    const { loop } = newLoop();
    const [r, w] = newPipe();
    const [a, b] = newSocketpair();
    loop.addHandler(r, () => {}, READ);
    loop.addHandler(a, () => {}, READ | WRITE);
    loop.close(true);
    for (const fd of [r, a]) {
      expect(() => read(fd, buf, 0, 1)).toThrow(expect.objectContaining({ code: "EBADF" }));
    }
    // the unregistered ends stay open
    expect(read(b, buf, 0, 1)).toBe(0); // peer closed: EOF
    expect(() => writeString(w, "x")).toThrow(expect.objectContaining({ code: "EPIPE" }));
  });

  it("close(true) from inside a handler ends the batch and closes the descriptors", async () => {
    const { loop } = newLoop();
    const [r1, w1] = newPipe();
    const [r2, w2] = newPipe();
    let calls = 0;
    const handler = () => {
      calls++;
      loop.close(true);
    };
    loop.addHandler(r1, handler, READ);
    loop.addHandler(r2, handler, READ);
    loop.callLater(1000, () => {});
    writeString(w1, "a");
    writeString(w2, "b");
    await withTimeout(loop.start(), 5000, "start after close from a handler");
    expect(calls).toBe(1);
    expect(loop.closed).toBe(true);
    expect(loop.pendingCount).toBe(0);
    for (const fd of [r1, r2]) {
      expect(() => read(fd, buf, 0, 1)).toThrow(expect.objectContaining({ code: "EBADF" }));
    }
  });

  it("close() while running stops the loop and resolves start()", async () => {
    const { loop } = newLoop();
    const running = loop.start();
    loop.callLater(5, () => loop.close());
    await withTimeout(running, 5000, "start after close");
    expect(loop.running).toBe(false);
    expect(loop.closed).toBe(true);
  });
});

describe("setBlockingLogThreshold", () => {
  it("warns naming a callback or handler that held the loop, with the duration", async () => {
    const { loop, log } = newLoop();
    const [r, w] = newPipe();
    loop.setBlockingLogThreshold(20);
    const spin = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end) {
        // hold the loop
      }
    };
    const { records } = await expectLog(log, "warn", /Blocked the IOLoop for/, () =>
      loop.runSync(
        () =>
          new Promise<void>((resolve) => {
            loop.addCallback(function quickCallback() {});
            loop.addCallback(function slowCallback() {
              spin(40);
            });
            loop.addHandler(
              r,
              function slowHandler(fd) {
                readString(fd);
                loop.removeHandler(fd);
                spin(30);
                loop.addCallback(resolve);
              },
              READ,
            );
            writeString(w, "x");
          }),
        { timeoutMs: 5000 },
      ),
    );
    expect(records).toHaveLength(2);
    const messages = records.map((rec) => rec.message).join("\n");
    expect(messages).toMatch(/Blocked the IOLoop for (\d+\.\d) ms in callback slowCallback/);
    expect(messages).toMatch(new RegExp(`in handler for fd ${r} \\(slowHandler\\)`));
    const held = Number(/for (\d+\.\d) ms in callback/.exec(messages)?.[1]);
    expect(held).toBeGreaterThanOrEqual(40);
    loop.setBlockingLogThreshold(null);
    await loop.runSync(() => spin(30)); // off: no warning (cleanup would fail otherwise)
    expect(() => loop.setBlockingLogThreshold(-1)).toThrow(RangeError);
  });
});
