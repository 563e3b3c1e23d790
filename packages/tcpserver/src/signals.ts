// installSignalHandlers: opt-in graceful shutdown of a TCPServer on SIGTERM/SIGINT.

import { isSupervisor } from "./process.js";
import type { TCPServer } from "./tcp-server.js";

/** Options of {@link installSignalHandlers}. */
export interface SignalHandlerOptions {
  /** Grace period handed to `server.shutdown`. Default: shutdown's own (10 000 ms). */
  deadlineMs?: number;
  /** Signals that trigger the shutdown. Default `["SIGTERM", "SIGINT"]`. */
  signals?: NodeJS.Signals[];
  /** Exit the process (status 0, or 1 if shutdown failed) once the loop stopped. Default true. */
  exit?: boolean;
}

/**
 * On the first of `signals`: `server.shutdown({ deadlineMs })` (stop accepting, let open
 * connections finish, run the shutdown hooks), then stop the server's loop and exit with
 * status 0. Later signals during the shutdown are ignored (a pre-fork parent forwards SIGINT
 * that a terminal may also have delivered). Does nothing in a pre-fork supervisor, which
 * forwards the signals to its children instead. Returns a function that removes the handlers.
 */
export function installSignalHandlers(
  server: TCPServer,
  options: SignalHandlerOptions = {},
): () => void {
  if (server === null || typeof server !== "object" || typeof server.shutdown !== "function") {
    throw new TypeError("installSignalHandlers expects a TCPServer");
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError("options must be an object");
  }
  const signals = options.signals ?? (["SIGTERM", "SIGINT"] as NodeJS.Signals[]);
  if (!Array.isArray(signals) || signals.some((s) => typeof s !== "string")) {
    throw new TypeError("options.signals must be an array of signal names");
  }
  const { deadlineMs } = options;
  const exit = options.exit !== false;
  let started = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (isSupervisor()) return;
    if (started) {
      server.logger.info(`${signal} received again; shutdown already in progress`);
      return;
    }
    started = true;
    server.logger.info(`${signal} received; shutting down gracefully`);
    const loop = server.loop;
    loop.addCallback(async () => {
      let status = 0;
      try {
        await server.shutdown(deadlineMs === undefined ? {} : { deadlineMs });
      } catch (err) {
        status = 1;
        server.logger.error(err, "graceful shutdown failed");
      }
      loop.stop();
      if (exit) process.exit(status);
    });
  };
  for (const s of signals) process.on(s, onSignal);
  return () => {
    for (const s of signals) process.off(s, onSignal);
  };
}
