// Subprocess: a child process whose stdin/stdout/stderr are PipeIOStreams on our loop (Tornado's process.Subprocess).

import { type ChildProcess, spawn } from "node:child_process";
import { constants as osConstants } from "node:os";
import { IOLoop } from "@t/ioloop";
import { close as closeFd, pipe, setNonBlocking } from "@t/poller-native";
import { CalledProcessError } from "./errors.js";
import { type IOStreamOptions, resolveLimits } from "./options.js";
import { PipeIOStream } from "./pipe-iostream.js";

/**
 * Where one of the child's standard descriptors goes:
 * - `"stream"` ({@link Subprocess.STREAM}): a pipe whose parent end is a {@link PipeIOStream};
 * - `"inherit"`: the parent's own descriptor (the default, like Tornado and `subprocess.Popen`);
 * - `"ignore"`: `/dev/null`;
 * - a number: that open descriptor of the parent (it stays the caller's to close).
 */
export type StdioOption = "stream" | "inherit" | "ignore" | number;

/** Options of {@link Subprocess}; the stream limits apply to the `"stream"` pipes. */
export interface SubprocessOptions extends IOStreamOptions {
  /** The child's stdin. Default `"inherit"`. */
  stdin?: StdioOption;
  /** The child's stdout. Default `"inherit"`. */
  stdout?: StdioOption;
  /** The child's stderr; `"stdout"` sends it wherever stdout goes (Python's `subprocess.STDOUT`). Default `"inherit"`. */
  stderr?: StdioOption | "stdout";
  /** Working directory of the child. Default: the parent's. */
  cwd?: string;
  /** Environment of the child. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** Options of {@link Subprocess.waitForExit}. */
export interface WaitForExitOptions {
  /** Reject with {@link CalledProcessError} unless the child exits with status 0. Default true (Tornado's). */
  raiseError?: boolean;
}

/** A caller of `waitForExit` still waiting. */
interface ExitWaiter {
  raiseError: boolean;
  resolve: (code: number) => void;
  reject: (err: Error) => void;
}

/** Descriptors of the child's side that the parent closes once the child has them. */
type ChildSide = { stdio: (number | "inherit" | "ignore")[]; toClose: number[] };

function checkStdio(name: string, value: unknown, allowStdout: boolean): void {
  if (value === undefined || value === "stream" || value === "inherit" || value === "ignore") {
    return;
  }
  if (allowStdout && value === "stdout") return;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return;
  throw new TypeError(
    `Subprocess: options.${name} must be "stream", "inherit", "ignore"${allowStdout ? ', "stdout"' : ""} or a descriptor number, got ${String(value)}`,
  );
}

/** Tornado/Python's return code: the exit status, or minus the number of the signal that ended the child. */
function toReturncode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const number = signal === null ? undefined : osConstants.signals[signal];
  return number === undefined ? -1 : -number;
}

/**
 * A child process wired to the loop (Tornado's `tornado.process.Subprocess`). With
 * `stdin`/`stdout`/`stderr` set to {@link Subprocess.STREAM}, the matching property is a
 * {@link PipeIOStream} on the loop: write to `stdin`, `readUntil`/`readBytes`/`readUntilClose`
 * from `stdout` and `stderr`.
 *
 * ```ts
 * const proc = new Subprocess(["sort"], { stdin: Subprocess.STREAM, stdout: Subprocess.STREAM });
 * await proc.stdin.write("b\na\n");
 * proc.stdin.close(); // end of input
 * const sorted = await proc.stdout.readUntilClose(); // "a\nb\n"
 * await proc.waitForExit(); // 0, or rejects with CalledProcessError
 * ```
 *
 * Spawning and reaping are Node's (`child_process.spawn`; libuv's SIGCHLD handler reaps the child
 * without blocking); the pipes are ours, created with `pipe()` and handed to the child by
 * descriptor, so Node never reads them. See the README's design notes.
 */
export class Subprocess {
  /** Pass as `stdin`/`stdout`/`stderr` to get a {@link PipeIOStream} for it (Tornado's `Subprocess.STREAM`). */
  static readonly STREAM = "stream" as const;

  /** The loop the streams and the exit callback run on. */
  readonly loop: IOLoop;
  /** The command and its arguments. */
  readonly args: readonly string[];
  /** Writable end of the child's stdin, when `stdin` was `"stream"`. */
  readonly stdin: PipeIOStream | null;
  /** Readable end of the child's stdout, when `stdout` was `"stream"`. */
  readonly stdout: PipeIOStream | null;
  /** Readable end of the child's stderr, when `stderr` was `"stream"`. */
  readonly stderr: PipeIOStream | null;
  /** The Node child process (its `stdin`/`stdout`/`stderr` are null: the pipes are ours). */
  readonly childProcess: ChildProcess;

  private status: number | null = null;
  private exitSignal: NodeJS.Signals | null = null;
  private spawnError: Error | null = null;
  private exitCallback: ((returncode: number) => void) | null = null;
  private readonly waiters: ExitWaiter[] = [];

  /**
   * Starts `args[0]` with the arguments `args.slice(1)` (no shell). Throws `TypeError` for bad
   * arguments. A command that cannot be started (`ENOENT`, `EACCES`) does not throw: Node reports
   * it a moment later, and then `waitForExit()` rejects with that system error and the streams
   * close with it as their `realError` (the exit callback is not called: there is no status).
   */
  constructor(args: readonly string[], options: SubprocessOptions = {}) {
    if (!Array.isArray(args) || args.length === 0 || !args.every((a) => typeof a === "string")) {
      throw new TypeError(
        "Subprocess expects a non-empty array of strings: [command, ...arguments]",
      );
    }
    if (options === null || typeof options !== "object") {
      throw new TypeError("Subprocess: options must be an object");
    }
    const { stdin, stdout, stderr, cwd, env, ...streamOptions } = options;
    checkStdio("stdin", stdin, false);
    checkStdio("stdout", stdout, false);
    checkStdio("stderr", stderr, true);
    this.loop = streamOptions.loop ?? IOLoop.current();
    this.args = Object.freeze([...args]);
    const limits: IOStreamOptions = { ...streamOptions, loop: this.loop };
    resolveLimits(limits); // bad limits throw before any descriptor exists

    const child: ChildSide = { stdio: [], toClose: [] };
    const streams: PipeIOStream[] = [];
    let stdinStream: PipeIOStream | null = null;
    let stdoutStream: PipeIOStream | null = null;
    let stderrStream: PipeIOStream | null = null;
    try {
      stdinStream = this.wire(stdin, 0, child, limits, streams);
      stdoutStream = this.wire(stdout, 1, child, limits, streams);
      if (stderr === "stdout") child.stdio[2] = child.stdio[1] as number | "inherit" | "ignore";
      else stderrStream = this.wire(stderr, 2, child, limits, streams);
      this.childProcess = spawn(args[0] as string, args.slice(1), {
        stdio: child.stdio,
        ...(cwd === undefined ? {} : { cwd }),
        ...(env === undefined ? {} : { env }),
      });
    } catch (err) {
      for (const s of streams) s.close();
      throw err;
    } finally {
      // The child holds its own copies now (or never will): the parent must not keep the
      // child's ends open, or the child would never see end of file on stdin, nor we on stdout.
      for (const fd of child.toClose) closeFd(fd);
    }
    this.stdin = stdinStream;
    this.stdout = stdoutStream;
    this.stderr = stderrStream;
    this.childProcess.once("exit", (code, signal) => this.onExit(code, signal));
    this.childProcess.on("error", (err) => this.onError(err, streams));
  }

  /** The child's process id (undefined when it could not be started). */
  get pid(): number | undefined {
    return this.childProcess.pid;
  }

  /**
   * The exit status once the child has exited, as in Python: the status it exited with, or
   * minus the number of the signal that killed it (`-15` for SIGTERM). Null while it runs.
   */
  get returncode(): number | null {
    return this.status;
  }

  /** The signal that ended the child (`"SIGTERM"`), or null. */
  get signalCode(): NodeJS.Signals | null {
    return this.exitSignal;
  }

  /**
   * Runs `callback(returncode)` on the loop when the child exits (at once on the loop's next
   * iteration if it already has). Replaces any earlier callback; `null` removes it.
   */
  setExitCallback(callback: ((returncode: number) => void) | null): void {
    if (callback !== null && typeof callback !== "function") {
      throw new TypeError("setExitCallback expects a function (returncode) => void, or null");
    }
    this.exitCallback = callback;
    if (callback !== null && this.status !== null) this.runExitCallback();
  }

  /**
   * Resolves with the return code when the child exits. With `raiseError` (the default, as in
   * Tornado), a non-zero code rejects with {@link CalledProcessError} instead. Rejects with the
   * system error when the command could not be started.
   */
  waitForExit(options: WaitForExitOptions = {}): Promise<number> {
    if (options === null || typeof options !== "object") {
      throw new TypeError("waitForExit: options must be an object ({ raiseError? })");
    }
    const raiseError = options.raiseError ?? true;
    if (typeof raiseError !== "boolean") {
      throw new TypeError(`waitForExit: raiseError must be a boolean, got ${typeof raiseError}`);
    }
    return new Promise<number>((resolve, reject) => {
      const waiter = { raiseError, resolve, reject };
      if (this.spawnError !== null || this.status !== null) this.settle(waiter);
      else this.waiters.push(waiter);
    });
  }

  /**
   * Sends `signal` (default SIGTERM) to the child. True if it was sent; false when the child
   * has exited already (or was never started).
   */
  kill(signal: NodeJS.Signals | number = "SIGTERM"): boolean {
    if (this.status !== null || this.spawnError !== null) return false;
    return this.childProcess.kill(signal);
  }

  /** Creates the pipe for one standard descriptor when `"stream"`, else passes the option on. */
  private wire(
    option: StdioOption | undefined,
    index: 0 | 1 | 2,
    child: ChildSide,
    limits: IOStreamOptions,
    streams: PipeIOStream[],
  ): PipeIOStream | null {
    if (option !== "stream") {
      child.stdio[index] = option ?? "inherit";
      return null;
    }
    const [readFd, writeFd] = pipe(); // non-blocking and close-on-exec, both ends
    const childEnd = index === 0 ? readFd : writeFd;
    const parentEnd = index === 0 ? writeFd : readFd;
    child.toClose.push(childEnd);
    // The child gets a blocking descriptor, as programs expect of their stdio (the two ends are
    // separate open file descriptions, so ours stays non-blocking).
    try {
      setNonBlocking(childEnd, false);
    } catch (err) {
      closeFd(parentEnd);
      throw err;
    }
    child.stdio[index] = childEnd;
    const stream = new PipeIOStream(parentEnd, limits);
    streams.push(stream);
    return stream;
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.status = toReturncode(code, signal);
    this.exitSignal = signal;
    for (const waiter of this.waiters.splice(0)) this.settle(waiter);
    if (this.exitCallback !== null) this.runExitCallback();
  }

  private onError(err: Error, streams: PipeIOStream[]): void {
    if (this.childProcess.pid !== undefined) {
      // A failed kill() or similar after a successful start: the exit event still comes.
      this.loop.logger.warn({ err, pid: this.childProcess.pid }, "Subprocess error");
      return;
    }
    this.spawnError = err;
    for (const s of streams) s.close(err);
    for (const waiter of this.waiters.splice(0)) this.settle(waiter);
  }

  private settle(waiter: ExitWaiter): void {
    if (this.spawnError !== null) {
      waiter.reject(this.spawnError);
      return;
    }
    const code = this.status as number;
    if (code !== 0 && waiter.raiseError) {
      waiter.reject(new CalledProcessError(code, this.args, this.exitSignal));
    } else {
      waiter.resolve(code);
    }
  }

  private runExitCallback(): void {
    const callback = this.exitCallback as (returncode: number) => void;
    this.exitCallback = null;
    this.loop.addCallback(callback, this.status as number);
  }
}
