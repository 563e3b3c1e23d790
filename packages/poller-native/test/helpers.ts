// helpers.ts: shared test utilities — fd bookkeeping, bounded waits, batch collection, child processes.
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { close, Poller, type PollerBackend, type PollerOptions } from "../src/index.js";

export const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));

/** Backends exercised on this machine (epoll and poll on Linux). */
export const testedBackends: PollerBackend[] =
  process.platform === "linux" ? ["epoll", "poll"] : ["kqueue", "poll"];

const openFds = new Set<number>();
const openPollers = new Set<Poller>();

/** Remembers fds so that closeAll() releases them after each test. */
export function track<T extends number | number[]>(fds: T): T {
  for (const fd of Array.isArray(fds) ? fds : [fds]) openFds.add(fd);
  return fds;
}

/** Closes an fd now and forgets it. */
export function closeNow(fd: number): void {
  openFds.delete(fd);
  close(fd);
}

/** For afterEach: closes every tracked poller and fd. */
export function closeAll(): void {
  for (const p of openPollers) p.close();
  openPollers.clear();
  for (const fd of openFds) {
    try {
      close(fd);
    } catch {
      // already closed by the test on purpose
    }
  }
  openFds.clear();
}

export type Pair = [fd: number, events: number];

/** A started poller that records every batch as a copy of its (fd, events) pairs. */
export class Recorder {
  readonly poller: Poller;
  readonly batches: Pair[][] = [];
  onBatch: ((pairs: Pair[], poller: Poller) => void) | undefined;
  #waiters: Array<() => void> = [];

  constructor(backend: PollerBackend, options: PollerOptions = {}, start = true) {
    this.poller = new Poller(
      (count) => {
        const pairs: Pair[] = [];
        for (let i = 0; i < count; i++) {
          pairs.push([
            this.poller.events[2 * i] as number,
            this.poller.events[2 * i + 1] as number,
          ]);
        }
        this.batches.push(pairs);
        this.onBatch?.(pairs, this.poller);
        for (const w of this.#waiters.splice(0)) w();
      },
      { ...options, backend },
    );
    openPollers.add(this.poller);
    if (start) this.poller.start();
  }

  /** All pairs seen so far, in order. */
  get pairs(): Pair[] {
    return this.batches.flat();
  }

  /** Resolves once predicate() holds after some batch; rejects after timeoutMs. */
  async waitFor(predicate: () => boolean, timeoutMs = 2000, what = "condition"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 50));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for the first event on fd and returns its bits. */
  async next(fd: number, timeoutMs = 2000): Promise<number> {
    const from = this.pairs.length;
    let found = -1;
    await this.waitFor(
      () => {
        const hit = this.pairs.slice(from).find(([f]) => f === fd);
        if (hit) found = hit[1];
        return hit !== undefined;
      },
      timeoutMs,
      `an event on fd ${fd}`,
    );
    return found;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Builds dist/ if a test needs the compiled package (child processes, workers). */
export function ensureDist(): string {
  const entry = join(packageDir, "dist", "index.js");
  if (!existsSync(entry)) {
    const tsc = createRequire(join(packageDir, "package.json")).resolve("typescript/bin/tsc");
    execFileSync(process.execPath, [tsc, "-b"], {
      cwd: packageDir,
      stdio: "inherit",
    });
  }
  return entry;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** How long a child may take to print `armAfter` before it is killed anyway. */
const ARM_BOUND_MS = 20_000;

/**
 * Runs `node --input-type=module -e script`, killing it after timeoutMs. With `armAfter`, the
 * timeoutMs clock starts only once stdout contains that marker (bounded by 20 s before it), so
 * that a slow start on a loaded machine does not eat the window a test observes.
 */
export function runNode(
  script: string,
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string; armAfter?: string } = {},
): Promise<ChildResult> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const armAfter = options.armAfter;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: options.cwd ?? packageDir,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const kill = () => {
      timedOut = true;
      child.kill("SIGKILL");
    };
    let timer = setTimeout(kill, armAfter === undefined ? timeoutMs : ARM_BOUND_MS);
    let armed = armAfter === undefined;
    child.stdout.on("data", (d) => {
      stdout += d;
      if (!armed && stdout.includes(armAfter as string)) {
        armed = true;
        clearTimeout(timer);
        timer = setTimeout(kill, timeoutMs);
      }
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}
