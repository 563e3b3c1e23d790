// Test helper: a capturing Logger and expectLog(), so that an undeclared warning fails the test.

import type { Logger } from "../src/logger.js";

/** One call made to a {@link CapturingLogger}. */
export interface LogRecord {
  level: "debug" | "info" | "warn" | "error";
  /** The message argument (or the string first argument). */
  message: string;
  /** The Error passed directly or as `{ err }`, if any. */
  err: Error | undefined;
  /** Set when an expectLog() declared this record. */
  claimed: boolean;
}

function toRecord(level: LogRecord["level"], objOrMsg: unknown, msg?: string): LogRecord {
  let err: Error | undefined;
  let message = msg ?? "";
  if (typeof objOrMsg === "string") message = msg === undefined ? objOrMsg : `${objOrMsg} ${msg}`;
  else if (objOrMsg instanceof Error) err = objOrMsg;
  else if (objOrMsg !== null && typeof objOrMsg === "object") {
    const candidate = (objOrMsg as { err?: unknown }).err;
    if (candidate instanceof Error) err = candidate;
  }
  return { level, message, err, claimed: false };
}

/**
 * A Logger that records every call. Warnings and errors must be declared with
 * {@link expectLog}; {@link CapturingLogger.assertClean} (run it in afterEach) throws otherwise.
 */
export class CapturingLogger implements Logger {
  readonly records: LogRecord[] = [];

  debug(objOrMsg: unknown, msg?: string): void {
    this.records.push(toRecord("debug", objOrMsg, msg));
  }
  info(objOrMsg: unknown, msg?: string): void {
    this.records.push(toRecord("info", objOrMsg, msg));
  }
  warn(objOrMsg: unknown, msg?: string): void {
    this.records.push(toRecord("warn", objOrMsg, msg));
  }
  error(objOrMsg: unknown, msg?: string): void {
    this.records.push(toRecord("error", objOrMsg, msg));
  }

  /** Throws if a warn/error record was not declared by expectLog(). */
  assertClean(): void {
    const stray = this.records.filter(
      (r) => !r.claimed && (r.level === "warn" || r.level === "error"),
    );
    if (stray.length > 0) {
      const lines = stray.map(
        (r) => `  [${r.level}] ${r.message}${r.err ? ` (${r.err.name}: ${r.err.message})` : ""}`,
      );
      throw new Error(`undeclared log records:\n${lines.join("\n")}`);
    }
  }
}

function matches(record: LogRecord, pattern: RegExp): boolean {
  if (pattern.test(record.message)) return true;
  return record.err !== undefined && pattern.test(`${record.err.name}: ${record.err.message}`);
}

/**
 * Runs `body` and asserts that it made `logger` log at least one record of `level` whose message
 * (or error "Name: message") matches `pattern`; those records become declared (Tornado's
 * ExpectLog). Returns what `body` returned, and the matching records.
 */
export async function expectLog<T>(
  logger: CapturingLogger,
  level: LogRecord["level"],
  pattern: RegExp,
  body: () => T | Promise<T>,
): Promise<{ result: T; records: LogRecord[] }> {
  const from = logger.records.length;
  const result = await body();
  const found: LogRecord[] = [];
  for (let i = from; i < logger.records.length; i++) {
    const record = logger.records[i] as LogRecord;
    if (!record.claimed && record.level === level && matches(record, pattern)) {
      record.claimed = true;
      found.push(record);
    }
  }
  if (found.length === 0) {
    const seen = logger.records
      .slice(from)
      .map((r) => `[${r.level}] ${r.message}`)
      .join("; ");
    throw new Error(`expected a ${level} log matching ${pattern}; saw: ${seen || "nothing"}`);
  }
  return { result, records: found };
}
