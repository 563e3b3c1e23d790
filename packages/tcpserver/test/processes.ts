// Child-process helpers for tests: spawn in an own process group, read output, bounded waits, kill all.

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { within } from "./helpers.js";

/** The package root (examples/ and dist/ live there; tests of processes run the built code). */
export const packageRoot = fileURLToPath(new URL("..", import.meta.url));

/** A spawned process whose output is collected. */
export class Proc {
  readonly child: ChildProcess;
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(command: string, args: string[], env: Record<string, string> = {}) {
    this.child = spawn(command, args, {
      cwd: packageRoot,
      env: { ...process.env, T_LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // own process group: afterEach kills the children too
    });
    this.child.stdout?.on("data", (d: Buffer) => {
      this.stdout += d.toString();
    });
    this.child.stderr?.on("data", (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.exited = new Promise((resolve) => {
      this.child.once("exit", (code, signal) => resolve({ code, signal }));
    });
    all.add(this);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Wait until stdout+stderr match `re`; resolves with the match. */
  async output(re: RegExp, ms = 10_000): Promise<RegExpMatchArray> {
    const end = Date.now() + ms;
    for (;;) {
      const m = (this.stdout + this.stderr).match(re);
      if (m !== null) return m;
      if (Date.now() > end) {
        throw new Error(
          `no output matching ${re} within ${ms} ms:\n${this.stdout}\n${this.stderr}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Exit status, failing after `ms`. */
  exit(ms = 10_000) {
    return within(this.exited, ms, `exit of pid ${this.pid}`);
  }
}

const all = new Set<Proc>();

/** SIGKILL every process group started by {@link Proc} (for afterEach). */
export function killAll(): void {
  for (const p of all) {
    try {
      process.kill(-p.pid, "SIGKILL");
    } catch {}
  }
  all.clear();
}

/** CPU time (user + system) of `pid` in clock ticks (1/100 s on Linux), from /proc/<pid>/stat. */
export function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After "pid (comm) ", field 3 (state) is index 0: utime is field 14, stime field 15.
  return Number(fields[11]) + Number(fields[12]);
}

/** Whether a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
