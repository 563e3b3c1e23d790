import { afterEach, describe, expect, it, vi } from "vitest";
import { IOLoop, PeriodicCallback } from "../src/index.js";
import { expectLog } from "./expect-log.js";
import { busyWait, cleanup, newLoop, withTimeout } from "./helpers.js";

const FAKED = [
  "setTimeout",
  "clearTimeout",
  "setImmediate",
  "clearImmediate",
  "performance",
] as const;

function fakeClock(): void {
  vi.useFakeTimers({ toFake: [...FAKED] });
}

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe("PeriodicCallback (fake clock)", () => {
  it("runs every intervalMs on the grid, first one interval after start, until stopped", async () => {
    fakeClock();
    const { loop } = newLoop();
    const t0 = loop.time();
    const times: number[] = [];
    const pc = new PeriodicCallback(() => times.push(loop.time() - t0), 100, 0, loop);
    const running = loop.start();
    pc.start();
    expect(pc.isRunning()).toBe(true);
    await vi.advanceTimersByTimeAsync(350);
    expect(times).toEqual([100, 200, 300]);
    pc.stop();
    expect(pc.isRunning()).toBe(false);
    await vi.advanceTimersByTimeAsync(500);
    expect(times).toHaveLength(3);
    loop.stop();
    await running;
  });

  it("a callback that restarts itself (stop + start) keeps one schedule, not two", async () => {
    fakeClock();
    const { loop } = newLoop();
    const t0 = loop.time();
    const times: number[] = [];
    const pc = new PeriodicCallback(
      () => {
        times.push(loop.time() - t0);
        if (times.length === 1) {
          pc.stop();
          pc.start();
        }
      },
      100,
      0,
      loop,
    );
    const running = loop.start();
    pc.start();
    await vi.advanceTimersByTimeAsync(150);
    expect(times).toEqual([100]);
    expect(loop.pendingCount).toBe(1); // one scheduled run, not two chains
    await vi.advanceTimersByTimeAsync(300);
    expect(times).toEqual([100, 200, 300, 400]);
    pc.stop();
    expect(loop.pendingCount).toBe(0);
    loop.stop();
    await running;
  });

  it("skips runs missed while the loop was held up instead of bursting", async () => {
    fakeClock();
    const { loop } = newLoop();
    const t0 = loop.time();
    const times: number[] = [];
    const pc = new PeriodicCallback(() => times.push(loop.time() - t0), 100, 0, loop);
    let running = loop.start();
    pc.start();
    await vi.advanceTimersByTimeAsync(150); // run at 100
    loop.stop();
    await running;
    await vi.advanceTimersByTimeAsync(200); // now 350: the run at 200 and 300 were missed
    running = loop.start();
    await vi.advanceTimersByTimeAsync(260); // now 610
    loop.stop();
    await running;
    // one late run at 350 for the missed ones, then back on the grid at 400, 500, 600
    expect(times).toEqual([100, 350, 400, 500, 600]);
  });

  it("waits for a returned promise before scheduling, so runs never overlap", async () => {
    fakeClock();
    const { loop } = newLoop();
    const t0 = loop.time();
    let active = 0;
    let maxActive = 0;
    const starts: number[] = [];
    const pc = new PeriodicCallback(
      async () => {
        starts.push(loop.time() - t0);
        active++;
        maxActive = Math.max(maxActive, active);
        await new Promise((resolve) => setTimeout(resolve, 250));
        active--;
      },
      100,
      0,
      loop,
    );
    const running = loop.start();
    pc.start();
    await vi.advanceTimersByTimeAsync(1000);
    pc.stop();
    loop.stop();
    await running;
    expect(maxActive).toBe(1);
    // 100 (ends 350) -> 400 (ends 650) -> 700 (ends 950) -> 1000
    expect(starts).toEqual([100, 400, 700, 1000]);
  });

  it("jitter varies each interval within ±jitter/2", async () => {
    fakeClock();
    const { loop } = newLoop();
    const times: number[] = [];
    const pc = new PeriodicCallback(() => times.push(loop.time()), 100, 0.5, loop);
    const running = loop.start();
    pc.start();
    await vi.advanceTimersByTimeAsync(3000);
    pc.stop();
    loop.stop();
    await running;
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    expect(gaps.length).toBeGreaterThan(15);
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(74);
      expect(gap).toBeLessThanOrEqual(126);
    }
    expect(new Set(gaps.map((g) => Math.round(g))).size).toBeGreaterThan(3);
  });

  it("an exception is logged and the callback keeps running", async () => {
    fakeClock();
    const { loop, log } = newLoop();
    let calls = 0;
    const pc = new PeriodicCallback(
      function flaky() {
        calls++;
        if (calls === 1) throw new Error("periodic boom");
      },
      50,
      0,
      loop,
    );
    const running = loop.start();
    await expectLog(log, "error", /Exception in PeriodicCallback flaky/, async () => {
      pc.start();
      await vi.advanceTimersByTimeAsync(175);
    });
    pc.stop();
    loop.stop();
    await running;
    expect(calls).toBe(3);
  });
});

describe("PeriodicCallback (real clock)", () => {
  it("a callback slower than the interval does not cause a burst of catch-up runs", async () => {
    const { loop } = newLoop();
    const times: number[] = [];
    let origin = 0;
    await loop.runSync(
      () =>
        new Promise<void>((resolve) => {
          const pc = new PeriodicCallback(
            () => {
              times.push(loop.time() - origin);
              if (times.length === 1) busyWait(45);
              if (times.length === 5) {
                pc.stop();
                resolve();
              }
            },
            10,
            0,
            loop,
          );
          origin = loop.time();
          pc.start();
        }),
      { timeoutMs: 5000 },
    );
    const [first, second] = times as [number, number];
    expect(first).toBeGreaterThanOrEqual(10);
    expect(second - first).toBeGreaterThanOrEqual(45); // nothing ran during the block
    // Each run lands in a later 10 ms slot of the grid than the previous one: the missed
    // runs were skipped, not fired back to back (a burst would share a slot), even when late.
    const slots = times.map((t) => Math.floor(t / 10));
    for (let i = 1; i < slots.length; i++) {
      expect(slots[i]).toBeGreaterThan(slots[i - 1] as number);
    }
  });

  it("uses IOLoop.current() at start() when no loop is given", async () => {
    const { loop } = newLoop({ makeCurrent: true });
    let ranOn: IOLoop | null = null;
    const pc = new PeriodicCallback(() => {
      ranOn = IOLoop.current();
      pc.stop();
      loop.stop();
    }, 5);
    pc.start();
    await withTimeout(loop.start(), 5000, "periodic on current loop");
    expect(ranOn).toBe(loop);
  });

  it("rejects bad arguments", () => {
    expect(() => new PeriodicCallback(null as never, 10)).toThrow(TypeError);
    expect(() => new PeriodicCallback(() => {}, 0)).toThrow(RangeError);
    expect(() => new PeriodicCallback(() => {}, Number.NaN)).toThrow(RangeError);
    expect(() => new PeriodicCallback(() => {}, 10, 1.5)).toThrow(RangeError);
    expect(() => new PeriodicCallback(() => {}, 10, 0, {} as never)).toThrow(TypeError);
  });
});
