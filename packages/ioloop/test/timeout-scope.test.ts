// Timeouts and callbacks capture their async context lazily: in a process where no AsyncLocalStorage was ever
// enabled none is captured, and storages enabled later still see exactly what they would have.

import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, PACKAGE_DIR } from "./build.js";

const run = promisify(execFile);

beforeAll(() => ensureBuilt(), 300_000);

const DIST = join(PACKAGE_DIR, "dist");

/** Runs `body` as an ES module in a fresh node (no test runner, so no storage enabled yet). */
async function inFreshProcess(body: string): Promise<unknown> {
  const script = `
    import { AsyncLocalStorage } from "node:async_hooks";
    import { IOLoop } from ${JSON.stringify(join(DIST, "index.js"))};
    import { contextObservable } from ${JSON.stringify(join(DIST, "timeout-scope.js"))};
    const out = {};
    ${body}
    console.log(JSON.stringify(out));
  `;
  const { stdout } = await run("node", ["--input-type=module", "-e", script], {
    timeout: 30_000,
  });
  return JSON.parse(stdout);
}

describe("lazy async-context capture of timeouts", () => {
  it("captures nothing while no storage is enabled, and stays exact once one is", async () => {
    const out = await inFreshProcess(`
      out.before = contextObservable();
      const loop = new IOLoop();
      const seen = [];
      let als;
      await loop.runSync(() => new Promise((resolve) => {
        // Scheduled while no storage exists: A enables one and enters a store; B must not see it.
        loop.callLater(1, () => {
          seen.push(["A", als.getStore() ?? null]);
          als.enterWith("leaked");
        });
        loop.callLater(1, () => seen.push(["B", als.getStore() ?? null]));
        out.lazy = !contextObservable();
        als = new AsyncLocalStorage();
        als.run("x", () => loop.callLater(1, () => seen.push(["C", als.getStore() ?? null])));
        loop.callLater(1, () => seen.push(["D", als.getStore() ?? null]));
        loop.callLater(5, () => seen.push(["E", als.getStore() ?? null]));
        loop.callLater(10, resolve);
      }));
      loop.close();
      out.seen = seen;
      out.after = contextObservable();
    `);
    expect(out).toEqual({
      before: false,
      lazy: true,
      seen: [
        ["A", null],
        ["B", null],
        ["C", "x"],
        ["D", null],
        ["E", null],
      ],
      after: true,
    });
  });

  it("an enterWith inside a timeout scheduled before any storage does not reach the next one", async () => {
    const out = await inFreshProcess(`
      const als = new AsyncLocalStorage(); // created, not enabled: nothing is observable yet
      const loop = new IOLoop();
      const seen = [];
      await loop.runSync(() => new Promise((resolve) => {
        for (let i = 0; i < 3; i++) {
          loop.callLater(1, () => {
            seen.push(als.getStore() ?? null);
            als.enterWith(i);
          });
        }
        loop.callLater(5, resolve);
      }));
      loop.close();
      out.seen = seen;
    `);
    expect(out).toEqual({ seen: [null, null, null] });
  });

  it("callbacks too: none captured before a storage, exact after, and no enterWith leaks", async () => {
    const out = await inFreshProcess(`
      const loop = new IOLoop();
      const seen = [];
      let als;
      await loop.runSync(() => new Promise((resolve) => {
        loop.addCallback(() => {
          seen.push(["A", als.getStore() ?? null]);
          als.enterWith("leaked");
        });
        loop.spawnCallback(() => seen.push(["B", als.getStore() ?? null]));
        out.lazy = !contextObservable();
        als = new AsyncLocalStorage();
        als.run("x", () => loop.addCallback(() => seen.push(["C", als.getStore() ?? null])));
        loop.addCallback(() => seen.push(["D", als.getStore() ?? null]));
        loop.addCallback(() => loop.addCallback(() => {
          seen.push(["E", als.getStore() ?? null]);
          resolve();
        }));
      }));
      loop.close();
      out.seen = seen;
    `);
    expect(out).toEqual({
      lazy: true,
      seen: [
        ["A", null],
        ["B", null],
        ["C", "x"],
        ["D", null],
        ["E", null],
      ],
    });
  });
});
