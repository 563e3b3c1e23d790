// Subprocess: child processes with PipeIOStream stdio on the loop (Tornado's process_test.py SubprocessTest).

import { createHash, randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CalledProcessError, PipeIOStream, StreamClosedError, Subprocess } from "../src/index.js";
import { LoopFixture, within } from "./helpers.js";

let fx: LoopFixture;
beforeEach(() => {
  fx = new LoopFixture();
});
afterEach(() => fx.dispose());

/** Starts a child and has the fixture close its streams (and kill it if still running). */
function start(args: string[], options: ConstructorParameters<typeof Subprocess>[1] = {}) {
  const proc = new Subprocess(args, options);
  fx.track({
    close() {
      proc.kill("SIGKILL");
      for (const s of [proc.stdin, proc.stdout, proc.stderr]) s?.close();
    },
  });
  return proc;
}

const NODE = process.execPath;

function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

describe("Subprocess", () => {
  it("talks to an interactive child through stdin and stdout (stderr merged into stdout)", async () => {
    const proc = start(["sh"], {
      stdin: Subprocess.STREAM,
      stdout: Subprocess.STREAM,
      stderr: "stdout",
    });
    expect(proc.stdin).toBeInstanceOf(PipeIOStream);
    expect(proc.stdout).toBeInstanceOf(PipeIOStream);
    expect(proc.stderr).toBeNull();
    const stdin = proc.stdin as PipeIOStream;
    const stdout = proc.stdout as PipeIOStream;
    await stdin.write("echo hello\n");
    expect((await within(stdout.readUntil("\n"), 10_000)).toString()).toBe("hello\n");
    await stdin.write("echo oops >&2\n");
    expect((await within(stdout.readUntil("\n"), 10_000)).toString()).toBe("oops\n");
    await stdin.write("exit\n");
    expect((await within(stdout.readUntilClose(), 10_000)).length).toBe(0);
    expect(await within(proc.waitForExit(), 10_000)).toBe(0);
  });

  it("closing stdin gives the child end of file", async () => {
    const proc = start(["cat"], { stdin: Subprocess.STREAM, stdout: Subprocess.STREAM });
    await proc.stdin?.write("last words");
    proc.stdin?.close();
    const out = await within((proc.stdout as PipeIOStream).readUntilClose(), 10_000);
    expect(out.toString()).toBe("last words");
    expect(await within(proc.waitForExit(), 10_000)).toBe(0);
  });

  it("pipes 16 MiB through cat unchanged (same SHA-256) while reading and writing at once", async () => {
    const payload = randomBytes(16 * 1024 * 1024);
    const proc = start(["cat"], { stdin: Subprocess.STREAM, stdout: Subprocess.STREAM });
    const stdin = proc.stdin as PipeIOStream;
    const reading = (proc.stdout as PipeIOStream).readUntilClose();
    // More than a pipe holds: the write completes only because the output is read meanwhile.
    const writes: Promise<void>[] = [];
    for (let off = 0; off < payload.length; off += 1024 * 1024) {
      writes.push(stdin.write(payload.subarray(off, off + 1024 * 1024)));
    }
    await within(Promise.all(writes), 30_000, "writing 16 MiB");
    stdin.close();
    const out = await within(reading, 30_000, "reading 16 MiB");
    expect(out.length).toBe(payload.length);
    const digest = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    expect(digest(out)).toBe(digest(payload));
    expect(await within(proc.waitForExit(), 10_000)).toBe(0);
  });

  it("reads a child's output line by line as it is produced", async () => {
    const script =
      "let i = 0; const t = setInterval(() => { console.log('line ' + i); if (++i === 5) clearInterval(t); }, 1);";
    const proc = start([NODE, "-e", script], { stdout: Subprocess.STREAM });
    const stdout = proc.stdout as PipeIOStream;
    const lines: string[] = [];
    for (let i = 0; i < 5; i++) {
      lines.push((await within(stdout.readUntil("\n"), 10_000)).toString());
    }
    expect(lines).toEqual(["line 0\n", "line 1\n", "line 2\n", "line 3\n", "line 4\n"]);
    expect(await within(stdout.readUntilClose(), 10_000)).toHaveLength(0);
    expect(await within(proc.waitForExit(), 10_000)).toBe(0);
  });

  it("keeps stderr separate from stdout", async () => {
    const proc = start(["sh", "-c", "echo out; echo err >&2"], {
      stdout: Subprocess.STREAM,
      stderr: Subprocess.STREAM,
    });
    const [out, err] = await within(
      Promise.all([
        (proc.stdout as PipeIOStream).readUntilClose(),
        (proc.stderr as PipeIOStream).readUntilClose(),
      ]),
      10_000,
    );
    expect(out.toString()).toBe("out\n");
    expect(err.toString()).toBe("err\n");
    expect(await within(proc.waitForExit(), 10_000)).toBe(0);
  });

  it("runs the exit callback on the loop with the return code", async () => {
    const proc = start(["sh", "-c", "exit 0"]);
    const code = await within(
      new Promise<number>((resolve) => proc.setExitCallback(resolve)),
      10_000,
    );
    expect(code).toBe(0);
    expect(proc.returncode).toBe(0);
    // Set after the exit, it still runs (on the next iteration).
    const again = await within(
      new Promise<number>((resolve) => proc.setExitCallback(resolve)),
      10_000,
    );
    expect(again).toBe(0);
  });

  it("waitForExit resolves with 0 for a clean exit", async () => {
    const proc = start(["sh", "-c", "exit 0"]);
    expect(proc.returncode).toBeNull();
    expect(await within(proc.waitForExit(), 10_000)).toBe(0);
    expect(proc.returncode).toBe(0);
    expect(await proc.waitForExit()).toBe(0); // again, after the exit
  });

  it("a non-zero exit rejects waitForExit with CalledProcessError (code and status)", async () => {
    const proc = start(["sh", "-c", "exit 3"]);
    const err = await within(
      proc.waitForExit().then(
        () => null,
        (e: unknown) => e,
      ),
      10_000,
    );
    expect(err).toBeInstanceOf(CalledProcessError);
    const called = err as CalledProcessError;
    expect(called.code).toBe("T_ERR_CALLED_PROCESS");
    expect(called.returncode).toBe(3);
    expect(called.signal).toBeNull();
    expect(called.command).toEqual(["sh", "-c", "exit 3"]);
    expect(called.message).toBe('Command ["sh","-c","exit 3"] exited with status 3');
  });

  it("with raiseError false, a non-zero exit resolves with the status", async () => {
    const proc = start(["sh", "-c", "exit 1"]);
    expect(await within(proc.waitForExit({ raiseError: false }), 10_000)).toBe(1);
    expect(proc.returncode).toBe(1);
  });

  it("kill() ends a child with SIGTERM: return code -15, CalledProcessError with the signal", async () => {
    const proc = start(["sleep", "30"], { stdout: Subprocess.STREAM });
    expect(typeof proc.pid).toBe("number");
    const exitCallback = new Promise<number>((resolve) => proc.setExitCallback(resolve));
    expect(proc.kill()).toBe(true);
    const err = (await within(
      proc.waitForExit().then(
        () => null,
        (e: unknown) => e,
      ),
      10_000,
    )) as CalledProcessError;
    expect(err).toBeInstanceOf(CalledProcessError);
    expect(err.returncode).toBe(-15);
    expect(err.signal).toBe("SIGTERM");
    expect(err.message).toMatch(/was killed by SIGTERM/);
    expect(await within(exitCallback, 10_000)).toBe(-15);
    expect(await proc.waitForExit({ raiseError: false })).toBe(-15);
    expect(proc.signalCode).toBe("SIGTERM");
    // The child's stdout closes with it.
    expect(await within((proc.stdout as PipeIOStream).readUntilClose(), 10_000)).toHaveLength(0);
    expect(proc.kill()).toBe(false); // already exited
  });

  it("kill() with another signal: SIGKILL gives -9", async () => {
    const proc = start(["sleep", "30"]);
    proc.kill("SIGKILL");
    expect(await within(proc.waitForExit({ raiseError: false }), 10_000)).toBe(-9);
  });

  it("the loop keeps running while a child runs (exit is reaped without blocking)", async () => {
    const proc = start([NODE, "-e", "setTimeout(() => {}, 200)"]);
    let ticks = 0;
    const tick = () => {
      ticks++;
      if (proc.returncode === null) fx.loop.callLater(1, tick);
    };
    fx.loop.callLater(1, tick);
    expect(await within(proc.waitForExit(), 10_000)).toBe(0);
    await within(
      new Promise<void>((resolve) => fx.loop.callLater(5, resolve)),
      10_000,
      "last tick",
    );
    expect(ticks).toBeGreaterThan(1);
  });

  it("a command that does not exist rejects waitForExit with ENOENT and closes the streams", async () => {
    const proc = start(["/nonexistent/command-for-a-test"], {
      stdin: Subprocess.STREAM,
      stdout: Subprocess.STREAM,
    });
    const err = (await within(
      proc.waitForExit({ raiseError: false }).then(
        () => null,
        (e: unknown) => e,
      ),
      10_000,
    )) as NodeJS.ErrnoException;
    expect(err.code).toBe("ENOENT");
    expect(proc.pid).toBeUndefined();
    expect(proc.returncode).toBeNull();
    expect(proc.stdout?.closed()).toBe(true);
    const read = await (proc.stdout as PipeIOStream).readUntilClose().then(
      () => null,
      (e: unknown) => e,
    );
    expect(read === null || read instanceof StreamClosedError).toBe(true);
    expect(proc.kill()).toBe(false);
  });

  it("the parent keeps no descriptor of the child's side of the pipes", async () => {
    // libuv opens its SIGCHLD self-pipe at the first spawn of the process: have that happen first.
    await within(new Subprocess(["sh", "-c", "exit 0"]).waitForExit(), 10_000);
    const before = openFds();
    const proc = new Subprocess(["sh", "-c", "cat; echo done >&2"], {
      stdin: Subprocess.STREAM,
      stdout: Subprocess.STREAM,
      stderr: Subprocess.STREAM,
    });
    expect(openFds()).toBe(before + 3); // only our three ends
    proc.stdin?.close();
    const err = await within((proc.stderr as PipeIOStream).readUntilClose(), 10_000);
    expect(err.toString()).toBe("done\n");
    expect(await within(proc.waitForExit(), 10_000)).toBe(0);
    proc.stdout?.close();
    proc.stderr?.close();
    expect(openFds()).toBe(before);
  });

  it("passes cwd and env to the child", async () => {
    const proc = start(["sh", "-c", 'printf "%s %s" "$(pwd)" "$T_SUBPROCESS_TEST"'], {
      stdout: Subprocess.STREAM,
      cwd: "/",
      env: { PATH: process.env.PATH, T_SUBPROCESS_TEST: "yes" },
    });
    const out = await within((proc.stdout as PipeIOStream).readUntilClose(), 10_000);
    expect(out.toString()).toBe("/ yes");
  });

  it("rejects bad arguments with TypeError/RangeError before creating anything", () => {
    const before = openFds();
    expect(() => new Subprocess([] as never)).toThrow(TypeError);
    expect(() => new Subprocess("ls" as never)).toThrow(TypeError);
    expect(() => new Subprocess(["ls", 1 as never])).toThrow(TypeError);
    expect(() => new Subprocess(["ls"], { stdin: "pipe" as never })).toThrow(TypeError);
    expect(() => new Subprocess(["ls"], { stdin: "stdout" as never })).toThrow(TypeError);
    expect(() => new Subprocess(["ls"], { stdout: Subprocess.STREAM, maxBufferSize: 0 })).toThrow(
      RangeError,
    );
    expect(openFds()).toBe(before);
    const proc = start(["sh", "-c", "exit 0"]);
    expect(() => proc.setExitCallback(3 as never)).toThrow(TypeError);
    expect(() => proc.waitForExit({ raiseError: "yes" as never })).toThrow(TypeError);
    return within(proc.waitForExit(), 10_000);
  });
});
