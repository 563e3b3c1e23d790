// Test helpers: spawned demo processes, an in-process demo on its own IOLoop, tool detection, bounded waits.

import { type ChildProcess, spawn } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { IOLoop, type Logger } from "@t/ioloop";
import { waitFor as pollUntil } from "@t/testing";
import { createDemo, type DemoOptions } from "../src/app.mjs";

/** apps/demo */
export const DEMO_DIR = fileURLToPath(new URL("..", import.meta.url));
/** apps/demo/src/main.mjs */
export const MAIN = join(DEMO_DIR, "src", "main.mjs");
/** apps/demo/test-artifacts (gitignored): screenshots and logs of the browser test. */
export const ARTIFACTS_DIR = join(DEMO_DIR, "test-artifacts");

/**
 * The absolute path of executable `name` on PATH (or in the sbin dirs, where Debian puts nginx),
 * or null.
 */
export function which(name: string): string | null {
  // DEMO_TEST_HIDE_TOOLS=redis-server,nginx,chromium rehearses a machine without them.
  if ((process.env.DEMO_TEST_HIDE_TOOLS ?? "").split(",").includes(name)) return null;
  const dirs = [
    ...(process.env.PATH ?? "").split(delimiter),
    "/usr/sbin",
    "/usr/local/sbin",
    "/sbin",
  ];
  for (const dir of dirs) {
    if (dir === "") continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Whether executable `name` is installed. */
export function has(name: string): boolean {
  return which(name) !== null;
}

/** Print once per file why a describe block is skipped, and how to get the tool. */
export function noteMissing(tool: string, install: string): void {
  if (!has(tool)) {
    console.warn(`[apps/demo] ${tool} not found: skipping its tests. Install it with: ${install}`);
  }
}

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      srv.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * Wait until `check()` returns a truthy value (polling every `intervalMs`; a throw counts as
 * "not yet"), or throw after `timeoutMs`: @t/testing's `waitFor` with the demo's argument order.
 */
export function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<NonNullable<T>> {
  return pollUntil(check, { what, timeoutMs, intervalMs, ignoreErrors: true });
}

/** A spawned process with its collected output. */
export interface Spawned {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

const spawned = new Set<ChildProcess>();

/** Spawn a process that the next {@link killAll} will kill. */
export function spawnTracked(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Spawned {
  const child = spawn(command, args, {
    cwd: options.cwd ?? DEMO_DIR,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  spawned.add(child);
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    err += d;
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => {
      spawned.delete(child);
      resolve(code ?? signal ?? -1);
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Kill (SIGKILL) every process spawned by this file that is still running; wait for them. */
export async function killAll(): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const child of spawned) {
    if (child.exitCode === null && child.signalCode === null) {
      waits.push(new Promise((r) => child.once("exit", r)));
      child.kill("SIGKILL");
    }
  }
  spawned.clear();
  await Promise.race([Promise.all(waits), new Promise((r) => setTimeout(r, 5000))]);
}

/** A demo server process started with `node src/main.mjs …`. */
export interface DemoProcess extends Spawned {
  url: string;
  port: number;
}

/**
 * Start `node src/main.mjs --port 0 --host 127.0.0.1 …args` and resolve once it printed
 * "listening on http://…" (within `timeoutMs`).
 */
export async function startDemoProcess(
  args: string[] = [],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 15_000,
): Promise<DemoProcess> {
  const p = spawnTracked(process.execPath, [MAIN, "--host", "127.0.0.1", "--port", "0", ...args], {
    env: { T_LOG_LEVEL: "warn", ...env },
  });
  const match = await Promise.race([
    waitFor(
      "the demo to print its address",
      () => /listening on (http:\/\/[\d.]+:(\d+))/.exec(p.stdout()),
      timeoutMs,
    ),
    p.exited.then((code) => {
      throw new Error(`demo exited (${code}) before listening:\n${p.stdout()}\n${p.stderr()}`);
    }),
  ]);
  return { ...p, url: match[1], port: Number(match[2]) };
}

/** An in-process demo on its own running IOLoop. */
export interface InProcessDemo {
  url: string;
  loop: IOLoop;
  demo: ReturnType<typeof createDemo>;
  close(): Promise<void>;
}

/**
 * Create, start and listen an in-process demo on 127.0.0.1:0 (the loop runs in this process).
 * `logger` replaces the loop's logger (to read the access log).
 */
export async function startInProcess(
  options: DemoOptions = {},
  logger?: Logger,
): Promise<InProcessDemo> {
  const loop = new IOLoop({ makeCurrent: true, ...(logger ? { logger } : {}) });
  const running = loop.start();
  const demo = createDemo({ accessLog: false, cookieSecret: "test-secret", ...options }, loop);
  await demo.startServices();
  await demo.server.listen(0, "127.0.0.1");
  const { port } = demo.server.addresses()[0];
  return {
    url: `http://127.0.0.1:${port}`,
    loop,
    demo,
    async close() {
      await Promise.race([
        demo.server.shutdown({ deadlineMs: 2000 }),
        new Promise((r) => setTimeout(r, 4000)),
      ]);
      loop.stop();
      await running;
      loop.close(true);
      IOLoop.clearCurrent();
    },
  };
}

/** A tiny cookie jar for fetch: remembers Set-Cookie values and sends them back. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  /** Store the cookies a response set (an empty or expired value deletes). */
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /expires=.*1970/i.test(a));
      if (expired || value === "" || value === '""') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** The Cookie header value. */
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }

  /** fetch with these cookies, storing what comes back; redirects are not followed. */
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set("Cookie", this.header());
    const res = await fetch(url, { redirect: "manual", ...init, headers });
    this.take(res);
    return res;
  }
}
