// forkProcesses / taskId: Tornado's pre-fork model by re-executing the entry script with the listening fds inherited.

import { type ChildProcess, spawn } from "node:child_process";
import { availableParallelism } from "node:os";
import { createDefaultLogger, type Logger } from "@t/ioloop";
import { close } from "@t/poller-native";
import { ServerStateError, TooManyRestartsError } from "./errors.js";
import {
  forgetListeningFd,
  INHERITED_FDS_ENV,
  inheritedTaskId,
  listeningFds,
  TASK_ID_ENV,
} from "./inherited-fds.js";

/** Options of {@link forkProcesses}. */
export interface ForkOptions {
  /** Abnormal child exits the parent restarts before giving up. Default 100 (Tornado's). */
  maxRestarts?: number;
  /** Where the supervising parent logs. Default `createDefaultLogger("process")`. */
  logger?: Logger;
}

/** Tornado's default `max_restarts`. */
export const DEFAULT_MAX_RESTARTS = 100;
/** Signals the supervising parent forwards to its children (and that start its shutdown). */
const FORWARDED_SIGNALS: NodeJS.Signals[] = ["SIGTERM", "SIGINT"];

let supervising = false;

/** The task id of this process (0..n-1) in a pre-forked child, or null elsewhere. */
export function taskId(): number | null {
  return inheritedTaskId();
}

/** True in a parent that forkProcesses turned into a supervisor (it never serves). */
export function isSupervisor(): boolean {
  return supervising;
}

/**
 * Start `n` worker processes (0 = CPU count) sharing this process's listening sockets
 * (Tornado's `process.fork_processes`). Node cannot `fork()`, so each child re-executes this
 * script (`process.execPath` with `process.execArgv` and `process.argv`) with every listening
 * socket bound so far by {@link bindSockets}/{@link bindUnixSocket} inherited at fds 3, 4, …
 * and its task id in the environment; in the child, `bindSockets` adopts those sockets (all
 * children share one accept queue) and this function resolves with the task id.
 *
 * In the parent the promise never resolves: the parent supervises. It restarts a child that
 * exits abnormally (non-zero status or a signal) up to `maxRestarts` times in total (then
 * sends SIGTERM to the rest and rejects with {@link TooManyRestartsError}), does not restart
 * one that exits with status 0, forwards SIGTERM/SIGINT to the children (closing its own copy
 * of the listening sockets), and exits with status 0 once every child is gone — 1 if one
 * failed during shutdown.
 */
export function forkProcesses(n: number, options: ForkOptions = {}): Promise<number> {
  if (!Number.isInteger(n) || n < 0) {
    throw new RangeError(`forkProcesses expects a process count >= 0 (0 = CPU count), got ${n}`);
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError("options must be an object");
  }
  const maxRestarts = options.maxRestarts ?? DEFAULT_MAX_RESTARTS;
  if (!Number.isInteger(maxRestarts) || maxRestarts < 0) {
    throw new RangeError(`maxRestarts must be an integer >= 0, got ${maxRestarts}`);
  }
  const id = inheritedTaskId();
  if (id !== null) return Promise.resolve(id);
  if (supervising) throw new ServerStateError("forkProcesses was already called in this process");
  supervising = true;
  const count = n === 0 ? availableParallelism() : n;
  const logger = options.logger ?? createDefaultLogger("process");
  return new Promise<number>((_resolve, reject) => {
    new Supervisor(count, maxRestarts, logger, reject).start();
  });
}

/** The parent side of forkProcesses: spawns, watches and restarts children. */
class Supervisor {
  private readonly fds = listeningFds();
  private readonly children = new Map<number, ChildProcess>();
  private restarts = 0;
  private shuttingDown: NodeJS.Signals | null = null;
  private failed = false;
  private readonly onSignal = (signal: NodeJS.Signals) => this.signal(signal);

  constructor(
    private readonly count: number,
    private readonly maxRestarts: number,
    private readonly logger: Logger,
    private readonly giveUp: (err: Error) => void,
  ) {}

  start(): void {
    this.logger.info(`Starting ${this.count} processes`);
    for (const s of FORWARDED_SIGNALS) process.on(s, this.onSignal);
    for (let id = 0; id < this.count; id++) this.spawnChild(id);
  }

  private spawnChild(id: number): void {
    const env = {
      ...process.env,
      [TASK_ID_ENV]: String(id),
      [INHERITED_FDS_ENV]: this.fds.map((_, i) => 3 + i).join(","),
    };
    // libuv dup2()s each listed fd to position 3+i in the child, which clears close-on-exec.
    const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: ["inherit", "inherit", "inherit", ...this.fds],
      env,
    });
    this.children.set(id, child);
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, err?: Error) => {
      if (done) return;
      done = true;
      this.exited(id, child, code, signal, err);
    };
    child.once("error", (err) => finish(null, null, err));
    child.once("exit", (code, signal) => finish(code, signal));
  }

  private exited(
    id: number,
    child: ChildProcess,
    code: number | null,
    signal: NodeJS.Signals | null,
    err: Error | undefined,
  ): void {
    if (this.children.get(id) !== child) return;
    this.children.delete(id);
    const how =
      err !== undefined
        ? `failed to start (${err.message})`
        : signal !== null
          ? `killed by signal ${signal}`
          : `exited with status ${code}`;
    if (this.shuttingDown !== null) {
      const clean = code === 0 || signal === this.shuttingDown;
      if (!clean) this.failed = true;
      (clean ? this.logger.info : this.logger.warn).call(
        this.logger,
        `child ${id} (pid ${child.pid}) ${how} during shutdown`,
      );
    } else if (code === 0 && err === undefined) {
      this.logger.info(`child ${id} (pid ${child.pid}) exited normally`);
    } else {
      this.logger.warn(`child ${id} (pid ${child.pid}) ${how}`);
      this.restarts++;
      if (this.restarts > this.maxRestarts) {
        this.shuttingDown = "SIGTERM";
        this.failed = true;
        this.forward("SIGTERM");
        this.giveUp(new TooManyRestartsError(this.maxRestarts));
        return;
      }
      this.spawnChild(id);
      return;
    }
    if (this.children.size === 0) this.exit();
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.shuttingDown === null) {
      this.shuttingDown = signal;
      this.logger.info(`${signal} received; forwarding to ${this.children.size} children`);
      // No restarts from now on: let the kernel close the listening sockets with the last child.
      for (const fd of this.fds) {
        forgetListeningFd(fd);
        try {
          close(fd);
        } catch {}
      }
    }
    this.forward(signal);
    if (this.children.size === 0) this.exit();
  }

  private forward(signal: NodeJS.Signals): void {
    for (const child of this.children.values()) {
      try {
        child.kill(signal);
      } catch {}
    }
  }

  private exit(): void {
    for (const s of FORWARDED_SIGNALS) process.off(s, this.onSignal);
    process.exit(this.failed ? 1 : 0);
  }
}
