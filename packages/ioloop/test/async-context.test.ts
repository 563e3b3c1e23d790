// AsyncLocalStorage through the loop: everything scheduled runs in the async context of the
// code that scheduled it (Tornado 6 carries contextvars the same way), and an `enterWith` in one
// callback never leaks into another.

import { AsyncLocalStorage } from "node:async_hooks";
import { afterEach, describe, expect, it } from "vitest";
import { PeriodicCallback, READ } from "../src/index.js";
import { cleanup, newLoop, newPipe, writeString } from "./helpers.js";

afterEach(cleanup);

const TASKS = new URL("./fixtures/tasks.mjs", import.meta.url);

describe("async context through the IOLoop", () => {
  it("callLater, callAt and addTimeout run in the context they were scheduled in", async () => {
    const { loop } = newLoop();
    const als = new AsyncLocalStorage<number>();
    const seen = await loop.runSync(async () => {
      const out: (number | undefined)[] = [];
      await new Promise<void>((resolve) => {
        als.run(1, () => loop.callLater(2, () => out.push(als.getStore())));
        als.run(2, () => loop.callAt(loop.time() + 1, () => out.push(als.getStore())));
        als.run(3, () => loop.addTimeout(loop.time() + 3, () => out.push(als.getStore())));
        loop.callLater(20, resolve);
      });
      return out.sort();
    });
    expect(seen).toEqual([1, 2, 3]);
  });

  it("addCallback and spawnCallback run in their scheduler's context; enterWith does not leak", async () => {
    const { loop } = newLoop();
    const als = new AsyncLocalStorage<string>();
    const seen = await loop.runSync(async () => {
      const out: (string | undefined)[] = [];
      await new Promise<void>((resolve) => {
        als.run("four", () =>
          loop.addCallback(() => {
            out.push(als.getStore());
            als.enterWith("leaked"); // must stay inside this callback
          }),
        );
        als.run("five", () => loop.spawnCallback(() => out.push(als.getStore())));
        loop.addCallback(() => out.push(als.getStore()));
        loop.addCallback(resolve);
      });
      return out;
    });
    expect(seen).toEqual(["four", "five", undefined]);
  });

  it("a PeriodicCallback runs in the context of its start()", async () => {
    const { loop } = newLoop();
    const als = new AsyncLocalStorage<string>();
    const seen = await loop.runSync(async () => {
      const out: (string | undefined)[] = [];
      await new Promise<void>((resolve) => {
        const pc = new PeriodicCallback(
          () => {
            out.push(als.getStore());
            if (out.length === 3) {
              pc.stop();
              resolve();
            }
          },
          1,
          0,
          loop,
        );
        // Another context arms the loop's Node timer first; the periodic runs ride on it.
        als.run("other", () => loop.callLater(1, () => {}));
        als.run("periodic", () => pc.start());
      });
      return out;
    });
    expect(seen).toEqual(["periodic", "periodic", "periodic"]);
  });

  it("an fd handler runs in the context of its addHandler", async () => {
    const { loop } = newLoop();
    const als = new AsyncLocalStorage<string>();
    const [r, w] = newPipe();
    const seen = await loop.runSync(async () => {
      return await new Promise<string | undefined>((resolve) => {
        als.run("fd", () =>
          loop.addHandler(
            r,
            () => {
              loop.removeHandler(r);
              resolve(als.getStore());
            },
            READ,
          ),
        );
        als.run("writer", () => loop.callLater(1, () => writeString(w, "x")));
      });
    });
    expect(seen).toBe("fd");
  });

  it("addFuture callbacks and awaited runInExecutor results keep the caller's context", async () => {
    const { loop } = newLoop();
    const als = new AsyncLocalStorage<number>();
    const seen = await loop.runSync(
      async () => {
        const viaFuture = new Promise<number | undefined>((resolve) => {
          // Another context queues a callback first, so the wake-up is armed in its context.
          als.run(9, () => loop.addCallback(() => {}));
          als.run(7, () => loop.addFuture(Promise.resolve(1), () => resolve(als.getStore())));
        });
        const viaExecutor = als.run(8, async () => {
          await loop.runInExecutor({ module: TASKS }, 1, 2);
          return als.getStore();
        });
        return Promise.all([viaFuture, viaExecutor]);
      },
      { timeoutMs: 20_000 },
    );
    expect(seen).toEqual([7, 8]);
  });
});
