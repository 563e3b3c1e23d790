// LoopFixture and withLoop: a fresh IOLoop made current and started, then checked for leaks.

import { IOLoop, type IOLoopOptions } from "@t/ioloop";
import { close as closeDescriptor } from "@t/poller-native";
import { LeakError } from "./errors.js";
import { openSocketFds } from "./socket-fds.js";
import { DEFAULT_WAIT_TIMEOUT_MS, sleep, within } from "./waits.js";

/** Options of {@link LoopFixture} and {@link withLoop} (plus every IOLoop option). */
export interface LoopFixtureOptions extends IOLoopOptions {
  /**
   * Fail `dispose()` with LeakError when fd handlers, timers or callbacks are still registered
   * with the loop, or sockets opened since the fixture started are still open. Default true.
   */
  checkLeaks?: boolean;
  /**
   * How long `dispose()` lets things wind down before calling them leaked (a server's last
   * sweep, a client socket whose peer just closed), in ms. Default 5000.
   */
  leakGraceMs?: number;
}

/** Options of {@link withLoop}. */
export interface WithLoopOptions extends LoopFixtureOptions {
  /** Fail when `fn` has not settled after this many ms. Default 10000. */
  timeoutMs?: number;
}

/**
 * A new IOLoop, made current and started; `dispose()` closes what the test handed to `track` /
 * `trackFd`, stops and closes the loop, and fails on what the test left behind otherwise.
 * Runner-agnostic: create it in `beforeEach`, dispose it in `afterEach`.
 *
 * ```ts
 * let fx: LoopFixture;
 * beforeEach(() => { fx = new LoopFixture(); });
 * afterEach(() => fx.dispose());
 * ```
 */
export class LoopFixture {
  /** The loop, current and running until `dispose()`. */
  readonly loop: IOLoop;
  private readonly running: Promise<void>;
  private readonly socketsBefore: Set<number> | null;
  private readonly checkLeaks: boolean;
  private readonly leakGraceMs: number;
  private readonly closables: { close(): unknown }[] = [];
  private readonly fds: number[] = [];
  private disposed = false;

  constructor(options: LoopFixtureOptions = {}) {
    const { checkLeaks, leakGraceMs, ...loopOptions } = options;
    if (checkLeaks !== undefined && typeof checkLeaks !== "boolean") {
      throw new TypeError(`checkLeaks must be a boolean, got ${typeof checkLeaks}`);
    }
    const grace = leakGraceMs ?? 5000;
    if (typeof grace !== "number" || Number.isNaN(grace) || grace < 0) {
      throw new RangeError(`leakGraceMs must be a number of ms >= 0, got ${String(grace)}`);
    }
    this.checkLeaks = checkLeaks ?? true;
    this.leakGraceMs = grace;
    this.socketsBefore = this.checkLeaks ? openSocketFds() : null;
    this.loop = new IOLoop(loopOptions);
    this.loop.makeCurrent();
    this.running = this.loop.start();
  }

  /**
   * Close `x` (a stream, a server, a client…) at `dispose()`, before the leak check, in the
   * order tracked; a promise `close()` returns is awaited.
   */
  track<T extends { close(): unknown }>(x: T): T {
    this.closables.push(x);
    return x;
  }

  /** Close descriptor `fd` at `dispose()` (unless `closeFd` closed it first). */
  trackFd(fd: number): number {
    this.fds.push(fd);
    return fd;
  }

  /** Close a tracked descriptor now, and forget it (so `dispose` never closes a reused number). */
  closeFd(fd: number): void {
    const i = this.fds.indexOf(fd);
    if (i !== -1) this.fds.splice(i, 1);
    closeDescriptor(fd);
  }

  /**
   * Close what was tracked, stop and close the loop (closing any descriptor still registered
   * with it), make no loop current, and throw LeakError listing what was left: fd handlers,
   * pending timers/callbacks, sockets. Idempotent.
   */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    for (const c of this.closables.splice(0)) {
      try {
        await c.close();
      } catch {
        // Already closed, or failing to close: the leak check below reports what stays open.
      }
    }
    for (const fd of this.fds.splice(0)) {
      try {
        closeDescriptor(fd);
      } catch {
        // Closed by the test already (EBADF).
      }
    }
    const loop = this.loop;
    const leaks: string[] = [];
    if (this.checkLeaks) {
      const end = Date.now() + this.leakGraceMs;
      while ((loop.handlerSize > 0 || loop.pendingCount > 0) && Date.now() < end) await sleep(5);
      if (loop.handlerSize > 0) leaks.push(`${loop.handlerSize} fd handler(s) still registered`);
      if (loop.pendingCount > 0) {
        leaks.push(`${loop.pendingCount} timer(s)/callback(s) still pending`);
      }
    }
    loop.stop();
    await this.running;
    loop.close(true);
    if (IOLoop.current() === loop) IOLoop.clearCurrent();
    const before = this.socketsBefore;
    if (before !== null) {
      const end = Date.now() + this.leakGraceMs;
      let left = newSockets(before);
      while (left.length > 0 && Date.now() < end) {
        await sleep(5);
        left = newSockets(before);
      }
      if (left.length > 0) leaks.push(`socket fd(s) ${left.join(", ")} still open`);
    }
    if (leaks.length > 0) {
      throw new LeakError(`the test left behind: ${leaks.join("; ")}`);
    }
  }
}

function newSockets(before: Set<number>): number[] {
  const now = openSocketFds();
  if (now === null) return [];
  return [...now].filter((fd) => !before.has(fd));
}

/**
 * Run `fn(loop)` on a fresh current, started IOLoop, bounded by `timeoutMs`; then stop and close
 * the loop and fail with LeakError if `fn` left handlers, timers or sockets behind (Tornado's
 * `AsyncTestCase` + `gen_test`). Resolves with `fn`'s result; an error of `fn` wins over leaks.
 */
export async function withLoop<T>(
  fn: (loop: IOLoop) => T | PromiseLike<T>,
  options: WithLoopOptions = {},
): Promise<T> {
  if (typeof fn !== "function") throw new TypeError("withLoop expects a function (loop) => …");
  const { timeoutMs = DEFAULT_WAIT_TIMEOUT_MS, ...fixtureOptions } = options;
  const fixture = new LoopFixture(fixtureOptions);
  let result: T;
  try {
    result = await within(
      Promise.resolve().then(() => fn(fixture.loop)),
      timeoutMs,
      "the withLoop body",
    );
  } catch (err) {
    await fixture.dispose().catch(() => {});
    throw err;
  }
  await fixture.dispose();
  return result;
}
