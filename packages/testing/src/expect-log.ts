// expectLog: run code that must log a matching line (Tornado's ExpectLog), on any pino-like logger.

import { type Logger, namedLogger } from "@t/ioloop";
import { ExpectLogError } from "./errors.js";

/** Log levels a logger has, lowest first. */
const LEVELS = ["debug", "info", "warn", "error"] as const;

/**
 * The names the `@t` layers log under (`namedLogger(logger, name)`): `expectLog` watches these
 * children of the logger too.
 */
export const LAYER_LOGGER_NAMES: readonly string[] = [
  "@t/tcpserver",
  "@t/httpserver",
  "@t/web",
  "@t/websocket",
  "@t/rpc",
];
type Level = (typeof LEVELS)[number];

/** Options of {@link expectLog}. */
export interface ExpectLogOptions {
  /** Only lines at this level can match. Default: any level. */
  level?: Level;
  /** Fail when no line matched. Default true (false: just swallow the matching lines). */
  required?: boolean;
  /**
   * false: also fail when a warning or error that does not match was logged meanwhile.
   * Default true.
   */
  allowUnexpected?: boolean;
}

/** The text of one logger call: the message, and the message of an Error given as object. */
function lineText(objOrMsg: unknown, msg: unknown): string {
  if (typeof objOrMsg === "string") return objOrMsg;
  const parts: string[] = [];
  if (typeof msg === "string") parts.push(msg);
  const err =
    objOrMsg instanceof Error
      ? objOrMsg
      : objOrMsg !== null && typeof objOrMsg === "object"
        ? (objOrMsg as { err?: unknown }).err
        : undefined;
  if (err instanceof Error) parts.push(err.message);
  return parts.join(" ");
}

/**
 * Run `fn` while watching `target` (a logger, or anything with a `logger`, like an IOLoop or an
 * Application's settings holder): lines matching `pattern` are recorded and not passed on (they
 * are expected); the rest go through. Fails with ExpectLogError when no line matched (unless
 * `required: false`) or, with `allowUnexpected: false`, when another warning or error was logged.
 * Resolves with `fn`'s result; the logger's methods are restored in every case.
 *
 * ```ts
 * await expectLog(loop, /Uncaught exception/, () => fetch(app.url("/boom")));
 * ```
 */
export async function expectLog<T>(
  target: Logger | { readonly logger: Logger },
  pattern: RegExp | string,
  fn: () => T | PromiseLike<T>,
  options: ExpectLogOptions = {},
): Promise<T> {
  const logger = resolveLogger(target);
  if (!(pattern instanceof RegExp) && typeof pattern !== "string") {
    throw new TypeError("expectLog pattern must be a RegExp or a string");
  }
  if (typeof fn !== "function") throw new TypeError("expectLog expects a function to run");
  if (options.level !== undefined && !LEVELS.includes(options.level)) {
    throw new RangeError(`level must be one of ${LEVELS.join(", ")}, got ${String(options.level)}`);
  }
  const matches = (text: string) =>
    typeof pattern === "string" ? text.includes(pattern) : pattern.test(text);
  let matched = 0;
  const unexpected: string[] = [];
  // The layers log to `logger.child({ name })` when the logger has `child` (namedLogger): patch
  // those children too (namedLogger makes each once, so the layers get these very objects).
  const targets = new Set<Logger>([logger]);
  for (const name of LAYER_LOGGER_NAMES) targets.add(namedLogger(logger, name));
  const restore: (() => void)[] = [];
  for (const target of targets) {
    const methods = target as unknown as Record<Level, (o: unknown, m?: string) => void>;
    for (const level of LEVELS) {
      const original = methods[level].bind(target);
      const descriptor = Object.getOwnPropertyDescriptor(target, level);
      restore.push(() => {
        if (descriptor === undefined) delete (methods as Partial<typeof methods>)[level];
        else Object.defineProperty(target, level, descriptor);
      });
      methods[level] = (objOrMsg: unknown, msg?: string) => {
        const text = lineText(objOrMsg, msg);
        if ((options.level === undefined || options.level === level) && matches(text)) {
          matched++;
          return;
        }
        if (level === "warn" || level === "error") unexpected.push(`${level}: ${text}`);
        original(objOrMsg, msg);
      };
    }
  }
  let result: T;
  try {
    result = await fn();
  } finally {
    for (const undo of restore) undo();
  }
  if (matched === 0 && options.required !== false) {
    throw new ExpectLogError(`no log line matched ${String(pattern)}`);
  }
  if (options.allowUnexpected === false && unexpected.length > 0) {
    throw new ExpectLogError(`unexpected log lines: ${unexpected.join(" | ")}`);
  }
  return result;
}

function resolveLogger(target: unknown): Logger {
  const isLogger = (x: unknown): x is Logger =>
    x !== null &&
    typeof x === "object" &&
    LEVELS.every((l) => typeof (x as Record<string, unknown>)[l] === "function");
  if (isLogger(target)) return target;
  const inner =
    target !== null && typeof target === "object"
      ? (target as { logger?: unknown }).logger
      : undefined;
  if (isLogger(inner)) return inner;
  throw new TypeError(
    "expectLog target must be a logger (debug/info/warn/error) or have one as `logger` (an IOLoop)",
  );
}
