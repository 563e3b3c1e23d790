// Test helpers: loops with capturing loggers, tracked descriptors, bounded waits, cleanup.

import { close as closeFd, pipe, socketpair, write } from "@t/poller-native";
import { IOLoop, type IOLoopOptions } from "../src/index.js";
import { CapturingLogger } from "./expect-log.js";

const loops: IOLoop[] = [];
const loggers: CapturingLogger[] = [];
const fds = new Set<number>();

/** A loop whose logger captures records; closed and checked by {@link cleanup}. */
export function newLoop(options: IOLoopOptions = {}): { loop: IOLoop; log: CapturingLogger } {
  const log = new CapturingLogger();
  const loop = new IOLoop({ logger: log, ...options });
  loops.push(loop);
  loggers.push(log);
  return { loop, log };
}

/** Registers descriptors to close in {@link cleanup} (unless the test closed them). */
export function track<T extends number[]>(...list: T): T {
  for (const fd of list) fds.add(fd);
  return list;
}

/** Forgets a descriptor the test closed itself. */
export function untrack(fd: number): void {
  fds.delete(fd);
}

/** A tracked pipe: [readFd, writeFd]. */
export function newPipe(): [number, number] {
  const [r, w] = pipe();
  track(r, w);
  return [r, w];
}

/** A tracked AF_UNIX stream socketpair. */
export function newSocketpair(): [number, number] {
  const [a, b] = socketpair();
  track(a, b);
  return [a, b];
}

/** Writes a string to `fd`, asserting it all went in. */
export function writeString(fd: number, text: string): void {
  const buf = Buffer.from(text);
  const n = write(fd, buf, 0, buf.length);
  if (n !== buf.length) throw new Error(`short write on fd ${fd}: ${n}`);
}

/** Rejects if `promise` does not settle within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms = 5000, what = "operation"): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Busy-waits for `ms` milliseconds (to simulate a blocking callback). */
export function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

/** Closes every loop and descriptor, resets IOLoop.current(), and fails on undeclared warnings. */
export function cleanup(): void {
  for (const loop of loops.splice(0)) loop.close();
  for (const fd of fds) {
    try {
      closeFd(fd);
    } catch {
      // already closed by the test or by loop.close(true)
    }
  }
  fds.clear();
  IOLoop.clearCurrent();
  const logs = loggers.splice(0);
  for (const log of logs) log.assertClean();
}
