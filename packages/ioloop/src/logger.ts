// The Logger interface (pino-compatible) and a default that writes Tornado-style lines.

import { BoundedLineWriter } from "./line-writer.js";

/**
 * The logging interface every `@t` package writes to. pino's logger satisfies it, and so does
 * {@link createDefaultLogger}. Calls look like `warn("msg")`, `warn({ err, fd }, "msg")` or
 * `error(err, "msg")`.
 */
export interface Logger {
  /** Detail for debugging: `objOrMsg` is the message, or an object (or Error) logged with `msg`. */
  debug(objOrMsg: unknown, msg?: string): void;
  /** Normal operation worth a line (e.g. an access log entry); arguments as for `debug`. */
  info(objOrMsg: unknown, msg?: string): void;
  /** Something unexpected that the program survived; arguments as for `debug`. */
  warn(objOrMsg: unknown, msg?: string): void;
  /** A failure, usually with the Error as `objOrMsg`; arguments as for `debug`. */
  error(objOrMsg: unknown, msg?: string): void;
  /**
   * Optional (pino has it): whether a line at `level` would be written, so that callers can
   * skip formatting lines that would be dropped (e.g. an access log at a disabled level).
   */
  isLevelEnabled?(level: string): boolean;
  /**
   * Optional (pino has it): a logger that adds `bindings` to every line. Each `@t` package logs
   * through `child({ name: "@t/<package>" })` of the logger it is given (see {@link namedLogger}).
   */
  child?(bindings: Record<string, unknown>): Logger;
}

/**
 * Marks a log object whose fields are already spelled out in the message (e.g. the access log):
 * the default logger then prints the message alone, while pino records the fields (a symbol
 * key is invisible to JSON). Set it to `true` on the object passed as `objOrMsg`.
 */
export const FIELDS_IN_MESSAGE: unique symbol = Symbol.for("t.log.fieldsInMessage") as never;

const namedLoggers = new WeakMap<Logger, Map<string, Logger>>();

/**
 * The logger a layer writes to: `logger.child({ name })` when the logger has `child` (pino and
 * the default logger), made once per logger and name; else `logger` itself.
 */
export function namedLogger(logger: Logger, name: string): Logger {
  if (typeof logger.child !== "function") return logger;
  let byName = namedLoggers.get(logger);
  if (byName === undefined) {
    byName = new Map();
    namedLoggers.set(logger, byName);
  }
  let named = byName.get(name);
  if (named === undefined) {
    named = logger.child({ name });
    byName.set(name, named);
  }
  return named;
}

/** Levels understood by {@link createDefaultLogger}, most verbose first. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/** Options of {@link createDefaultLogger}. */
export interface DefaultLoggerOptions {
  /** Lowest level written. Default: env `T_LOG_LEVEL`, else `"info"`. */
  level?: LogLevel;
  /**
   * Receives each complete line (without the trailing newline). Default: append to stderr,
   * with at most 1 MiB waiting for a slow reader (a {@link BoundedLineWriter}).
   */
  write?: (line: string) => void;
}

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
  silent: 100,
};

function parseLevel(value: unknown, origin: string): LogLevel {
  if (typeof value === "string" && Object.hasOwn(LEVEL_RANK, value)) return value as LogLevel;
  throw new RangeError(
    `${origin} must be one of debug, info, warn, error, silent; got ${JSON.stringify(value)}`,
  );
}

let stderrWriter: BoundedLineWriter | null = null;

/** The default sink: stderr through one shared BoundedLineWriter. */
function writeToStderr(line: string): void {
  if (stderrWriter === null) stderrWriter = new BoundedLineWriter(process.stderr);
  stderrWriter.write(line);
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Tornado's timestamp: `yymmdd HH:MM:SS` in local time. */
function timestamp(d: Date): string {
  return (
    two(d.getFullYear() % 100) +
    two(d.getMonth() + 1) +
    two(d.getDate()) +
    " " +
    two(d.getHours()) +
    ":" +
    two(d.getMinutes()) +
    ":" +
    two(d.getSeconds())
  );
}

function describeError(err: Error): string {
  return err.stack ?? `${err.name}: ${err.message}`;
}

/** Turns pino-style arguments into the message part of a line (plus a stack when given). */
function formatMessage(objOrMsg: unknown, msg: string | undefined): string {
  if (typeof objOrMsg === "string") return msg === undefined ? objOrMsg : `${objOrMsg} ${msg}`;
  if (objOrMsg instanceof Error) {
    const head = msg ?? objOrMsg.message;
    return `${head}\n${describeError(objOrMsg)}`;
  }
  if (objOrMsg !== null && typeof objOrMsg === "object") {
    if (
      (objOrMsg as { [FIELDS_IN_MESSAGE]?: boolean })[FIELDS_IN_MESSAGE] === true &&
      msg !== undefined
    ) {
      return msg;
    }
    let err: Error | undefined;
    let extra = "";
    for (const key of Object.keys(objOrMsg)) {
      const value = (objOrMsg as Record<string, unknown>)[key];
      if (key === "err" && value instanceof Error) {
        err = value;
        continue;
      }
      let text: string;
      try {
        text = typeof value === "string" ? value : JSON.stringify(value);
      } catch {
        text = String(value);
      }
      extra += ` ${key}=${text}`;
    }
    let line = (msg ?? (err ? err.message : "")) + extra;
    if (err) line += `\n${describeError(err)}`;
    return line;
  }
  return msg === undefined ? String(objOrMsg) : `${String(objOrMsg)} ${msg}`;
}

/**
 * Creates a logger writing Tornado-style lines, e.g. `[W 261123 11:22:33 ioloop] message`,
 * followed by the stack when an `Error` is passed (directly or as `{ err }`). Its
 * `child({ name })` writes the same lines under another name (each `@t` layer's own).
 *
 * @param name - shown after the timestamp; default `"ioloop"`.
 * @param options - level (default env `T_LOG_LEVEL` or `"info"`) and the line sink (default stderr).
 */
export function createDefaultLogger(name = "ioloop", options: DefaultLoggerOptions = {}): Logger {
  if (typeof name !== "string") throw new TypeError(`name must be a string, got ${typeof name}`);
  const level =
    options.level !== undefined
      ? parseLevel(options.level, "options.level")
      : process.env.T_LOG_LEVEL
        ? parseLevel(process.env.T_LOG_LEVEL, "env T_LOG_LEVEL")
        : "info";
  if (options.write !== undefined && typeof options.write !== "function") {
    throw new TypeError("options.write must be a function (line: string) => void");
  }
  const write = options.write ?? writeToStderr;
  return makeLogger(name, level, write);
}

/** The default logger named `name` (its `child({ name })` differs only in the name). */
function makeLogger(name: string, level: LogLevel, write: (line: string) => void): Logger {
  const threshold = LEVEL_RANK[level];
  const emit = (letter: string, rank: number, objOrMsg: unknown, msg: string | undefined) => {
    if (rank < threshold) return;
    write(`[${letter} ${timestamp(new Date())} ${name}] ${formatMessage(objOrMsg, msg)}`);
  };
  return {
    debug: (objOrMsg, msg) => emit("D", LEVEL_RANK.debug, objOrMsg, msg),
    info: (objOrMsg, msg) => emit("I", LEVEL_RANK.info, objOrMsg, msg),
    warn: (objOrMsg, msg) => emit("W", LEVEL_RANK.warn, objOrMsg, msg),
    error: (objOrMsg, msg) => emit("E", LEVEL_RANK.error, objOrMsg, msg),
    isLevelEnabled: (lvl: string) => {
      const rank = LEVEL_RANK[lvl as LogLevel];
      return rank !== undefined && lvl !== "silent" && rank >= threshold;
    },
    child: (bindings: Record<string, unknown>) =>
      makeLogger(typeof bindings?.name === "string" ? bindings.name : name, level, write),
  };
}
