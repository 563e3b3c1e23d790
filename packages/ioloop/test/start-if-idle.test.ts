// IOLoop.startIfIdle: what servers and connects call so that a Node user needs no loop
// ceremony; start() takes an automatic run over; the exit warning of a stranded loop.

import { pipe } from "@t/poller-native";
import { afterEach, describe, expect, it } from "vitest";
import { LoopRunningError, READ } from "../src/index.js";
import { expectLog } from "./expect-log.js";
import { cleanup, newLoop, track } from "./helpers.js";

afterEach(cleanup);

describe("startIfIdle", () => {
  it("starts a loop that is neither running nor closed, and only then", async () => {
    const { loop } = newLoop();
    expect(loop.startIfIdle()).toBe(true);
    expect(loop.running).toBe(true);
    expect(loop.startIfIdle()).toBe(false);
    const ran = await new Promise<string>((resolve) => loop.addCallback(() => resolve("ran")));
    expect(ran).toBe("ran");
    loop.stop();
    loop.close();
    expect(loop.startIfIdle()).toBe(false);
  });

  it("start() takes an automatic run over, resolves at stop(), and a second start() throws", async () => {
    const { loop } = newLoop();
    loop.startIfIdle();
    const run = loop.start();
    expect(() => loop.start()).toThrow(LoopRunningError);
    expect(loop.startIfIdle()).toBe(false);
    let resolved = false;
    void run.then(() => {
      resolved = true;
    });
    await new Promise<void>((resolve) => loop.callLater(1, resolve));
    expect(resolved).toBe(false);
    loop.stop();
    await run;
    expect(resolved).toBe(true);
  });

  it("runSync() takes an automatic run over too (Tornado's listen(); run_sync(main))", async () => {
    const { loop } = newLoop();
    loop.startIfIdle();
    const result = await loop.runSync(async () => {
      await new Promise<void>((resolve) => loop.callLater(1, resolve));
      return 42;
    });
    expect(result).toBe(42);
    expect(loop.running).toBe(false); // stopped when fn settled, as runSync always does
  });

  it("an explicitly started loop is left alone", async () => {
    const { loop } = newLoop();
    const run = loop.start();
    expect(loop.startIfIdle()).toBe(false);
    expect(() => loop.start()).toThrow(LoopRunningError);
    loop.stop();
    await run;
  });

  it("dispatches fd handlers registered before it started", async () => {
    const { loop } = newLoop();
    const [r, w] = track(...pipe());
    const seen = new Promise<number>((resolve) => loop.addHandler(r, (fd) => resolve(fd), READ));
    const { write } = await import("@t/poller-native");
    write(w, Buffer.from("x"), 0, 1);
    loop.startIfIdle();
    expect(await seen).toBe(r);
    loop.removeHandler(r);
  });
});

describe("a stranded loop", () => {
  it("warns once, naming the fix, when it holds work but is not running", async () => {
    const { loop, log } = newLoop();
    loop.callLater(1000, () => {});
    const { records } = await expectLog(
      log,
      "warn",
      /not running holds 0 descriptor handler\(s\), 1 timeout\(s\).*loop\.start\(\)/,
      () => {
        loop.warnIfStranded();
        loop.warnIfStranded();
      },
    );
    expect(records).toHaveLength(1);
  });

  it("stays quiet when running, closed or empty", async () => {
    const empty = newLoop();
    empty.loop.warnIfStranded();
    const running = newLoop();
    running.loop.callLater(1000, () => {});
    const run = running.loop.start();
    running.loop.warnIfStranded();
    running.loop.stop();
    await run;
    const closed = newLoop();
    closed.loop.callLater(1000, () => {});
    closed.loop.close();
    closed.loop.warnIfStranded();
    for (const l of [empty, running, closed])
      expect(l.log.records.filter((x) => x.level === "warn")).toEqual([]);
  });
});
