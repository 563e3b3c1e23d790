import { execFile, spawn } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, PACKAGE_DIR } from "./build.js";

const run = promisify(execFile);

beforeAll(() => ensureBuilt(), 300_000);

const DIST = join(PACKAGE_DIR, "dist", "index.js");

describe("the loop and the process lifetime", () => {
  it("an unref'd running loop lets the process exit; a ref'd one keeps it alive", async () => {
    const script = (refed: boolean) => `
      import { IOLoop } from ${JSON.stringify(DIST)};
      const loop = new IOLoop();
      ${refed ? "" : "loop.unref();"}
      loop.callLater(60_000, () => {});
      loop.start();
      console.log("started");
    `;
    const started = performance.now();
    const exited = await run("node", ["--input-type=module", "-e", script(false)], {
      timeout: 10_000,
    });
    expect(exited.stdout.trim()).toBe("started");
    expect(performance.now() - started).toBeLessThan(10_000);

    const child = spawn("node", ["--input-type=module", "-e", script(true)], { stdio: "pipe" });
    const alive = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(true), 700);
      child.once("exit", () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    child.kill("SIGKILL");
    expect(alive).toBe(true);
  });

  it("the hello-loop demo echoes its messages and exits 0 by itself within ~2 s", async () => {
    const started = performance.now();
    const { stdout } = await run("node", [join(PACKAGE_DIR, "examples", "hello-loop.mjs")], {
      timeout: 10_000,
    });
    const elapsedMs = performance.now() - started;
    expect(stdout).toMatch(/echo 5\/5: LOOP/);
    expect(stdout).toMatch(/progress: \d of 5 echoed/);
    expect(stdout).toMatch(/^done: 5 echoes/m);
    expect(elapsedMs).toBeLessThan(4000);
  });
});
