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
    // The unref'd loop holds a 60 s timer: exiting at all (the run is killed at 30 s) proves
    // the loop did not keep the process alive.
    const exited = await run("node", ["--input-type=module", "-e", script(false)], {
      timeout: 30_000,
    });
    expect(exited.stdout.trim()).toBe("started");

    // The ref'd one is still alive well after it started its loop (it would exit at once if
    // the loop did not hold it).
    const child = spawn("node", ["--input-type=module", "-e", script(true)], { stdio: "pipe" });
    const alive = await new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      child.stdout.on("data", (d: Buffer) => {
        if (timer === undefined && d.toString().includes("started")) {
          timer = setTimeout(() => resolve(true), 1000);
        }
      });
      child.once("exit", () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    child.kill("SIGKILL");
    expect(alive).toBe(true);
  });

  it("the hello-loop demo echoes its messages and exits 0 by itself", async () => {
    // Killed (and rejected) at 30 s if it did not end by itself.
    const { stdout } = await run("node", [join(PACKAGE_DIR, "examples", "hello-loop.mjs")], {
      timeout: 30_000,
    });
    expect(stdout).toMatch(/echo 5\/5: LOOP/);
    expect(stdout).toMatch(/progress: \d of 5 echoed/);
    expect(stdout).toMatch(/^done: 5 echoes/m);
  });
});
