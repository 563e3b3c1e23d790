// A logger for tests: records every line, so that a test can declare the warnings it expects and
// fail on any it did not (Tornado's ExpectLog).

/** The pino-compatible logger shape of @t/ioloop (declared here, so this file imports nothing). */
export interface LoggerShape {
  debug(objOrMsg: unknown, msg?: string): void;
  info(objOrMsg: unknown, msg?: string): void;
  warn(objOrMsg: unknown, msg?: string): void;
  error(objOrMsg: unknown, msg?: string): void;
}

/** One captured log entry; `msg` joins the message and an Error's message. */
export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  obj: unknown;
  expected: boolean;
}

/** @t/ioloop's FIELDS_IN_MESSAGE: the object's fields are already in the message. */
const FIELDS_IN_MESSAGE = Symbol.for("t.log.fieldsInMessage");

function fieldsInMessage(obj: unknown): boolean {
  return (
    obj !== null &&
    typeof obj === "object" &&
    (obj as { [FIELDS_IN_MESSAGE]?: unknown })[FIELDS_IN_MESSAGE] === true
  );
}

/**
 * Records entries (`msg` is the line as the default logger would print it; `obj` what was
 * passed); warnings and errors must be declared with `expect`.
 */
export class CaptureLogger implements LoggerShape {
  readonly entries: LogEntry[] = [];

  private record(level: LogEntry["level"], objOrMsg: unknown, msg?: string): void {
    const text =
      typeof objOrMsg === "string"
        ? objOrMsg
        : msg !== undefined && fieldsInMessage(objOrMsg)
          ? msg
          : `${msg ?? ""} ${objOrMsg instanceof Error ? objOrMsg.message : (JSON.stringify(objOrMsg) ?? "")}`;
    this.entries.push({ level, msg: text, obj: objOrMsg, expected: false });
  }
  debug(o: unknown, m?: string): void {
    this.record("debug", o, m);
  }
  info(o: unknown, m?: string): void {
    this.record("info", o, m);
  }
  warn(o: unknown, m?: string): void {
    this.record("warn", o, m);
  }
  error(o: unknown, m?: string): void {
    this.record("error", o, m);
  }

  /** Mark matching warn/error entries as expected; returns how many matched. */
  expect(level: "warn" | "error", re: RegExp): number {
    let n = 0;
    for (const e of this.entries) {
      if (e.level === level && re.test(e.msg)) {
        e.expected = true;
        n++;
      }
    }
    return n;
  }

  /** Warnings and errors nobody declared. */
  unexpected(): LogEntry[] {
    return this.entries.filter((e) => (e.level === "warn" || e.level === "error") && !e.expected);
  }
}
