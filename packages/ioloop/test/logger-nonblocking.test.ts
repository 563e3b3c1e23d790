// The default logger and a stderr pipe nobody drains: at most 1 MiB waits in the process, the
// rest is counted as dropped and reported once the pipe drains; the loop keeps running.

import { spawn } from "node:child_process";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, PACKAGE_DIR } from "./build.js";

beforeAll(() => ensureBuilt(), 300_000);

const DIST = join(PACKAGE_DIR, "dist", "index.js");

describe("the default logger and a stalled stderr pipe", () => {
  it("keeps the loop running, bounds what waits, and reports the dropped lines", async () => {
    // 50,000 lines of ~200 bytes (10 MB) into a pipe that nobody reads yet; then a timer must
    // still fire, and only about the bound may wait in the process.
    const script = `
      import { createDefaultLogger } from ${JSON.stringify(DIST)};
      const log = createDefaultLogger("flood");
      for (let i = 0; i < 50000; i++) log.info("line " + i + " " + "x".repeat(190));
      setTimeout(() => {
        process.stdout.write("queued " + process.stderr.writableLength + " alive\\n");
        // Ends by itself once stderr is drained (no process.exit: nothing is cut short).
        process.stderr.once("drain", () => log.info("last line"));
      }, 10);
    `;
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      // stderr is not read (the pipe stays full) until the child proved its loop runs.
      let stdout = "";
      const alive = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 30_000);
        child.stdout.on("data", (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes("alive")) {
            clearTimeout(timer);
            resolve(true);
          }
        });
        child.once("exit", () => {
          clearTimeout(timer);
          resolve(false);
        });
      });
      expect(alive).toBe(true);
      // Bytes waiting in the child: the bound plus one line, not the 10 MB logged.
      const queued = Number(/queued (\d+)/.exec(stdout)?.[1]);
      expect(queued).toBeLessThanOrEqual(1024 * 1024 + 300);
      let err = "";
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
      });
      // "close": the child exited and its stdio streams are drained.
      const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
      expect(code).toBe(0);
      const lines = err.split("\n").filter((l) => l.includes("] line "));
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.length).toBeLessThan(50000);
      expect(err).toMatch(/\d+ log lines dropped/);
      expect(err).toMatch(/last line\n$/);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
