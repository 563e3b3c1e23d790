// The lifecycle a Node user expects: listen() and connect() start the loop (IOLoop.startIfIdle),
// the process exits once nothing is left to watch, Tornado's explicit start() still works, and
// a loop left with work but never started is reported at exit instead of failing silently.

import { afterEach, describe, expect, it } from "vitest";
import { killAll, Proc } from "./processes.js";

afterEach(killAll);

const node = process.execPath;

describe("starting and stopping without ceremony", () => {
  it("a server that was only told to listen serves, and the process exits when it stops", async () => {
    const p = new Proc(node, ["test/fixtures/serve-without-start.mjs"]);
    const { code } = await p.exit(20_000);
    expect(p.stdout).toContain('reply "echo: hello\\n"');
    expect(p.stdout).toContain("stopped");
    expect(code).toBe(0);
  });

  it("Tornado's listen-then-start keeps the process alive until stop()", async () => {
    const p = new Proc(node, ["test/fixtures/tornado-style.mjs"]);
    const { code } = await p.exit(20_000);
    expect(p.stdout).toBe("still alive after the server stopped\nstart() resolved after stop()\n");
    expect(code).toBe(0);
  });

  it("a loop left with work that was never started is reported at exit", async () => {
    const p = new Proc(node, ["test/fixtures/stranded-loop.mjs"]);
    const { code } = await p.exit(20_000);
    expect(code).toBe(0);
    expect(p.stdout).toBe("script done\n");
    expect(p.stderr).toMatch(
      /IOLoop that is not running holds 0 descriptor handler\(s\), 1 timeout\(s\) and 0 callback\(s\).*await loop\.start\(\)/,
    );
  });
});
