import { afterEach, describe, expect, it } from "vitest";
import { createDefaultLogger } from "../src/logger.js";
import { CapturingLogger, expectLog } from "./expect-log.js";

const LINE = /^\[([DIWE]) (\d{6}) (\d\d:\d\d:\d\d) ([\w-]+)\] (.*)$/s;

describe("createDefaultLogger", () => {
  const savedLevel = process.env.T_LOG_LEVEL;
  afterEach(() => {
    if (savedLevel === undefined) delete process.env.T_LOG_LEVEL;
    else process.env.T_LOG_LEVEL = savedLevel;
  });

  it("writes Tornado-style lines with level letter, yymmdd date, time and name", () => {
    const lines: string[] = [];
    const log = createDefaultLogger("ioloop", { write: (l) => lines.push(l) });
    log.warn("slow callback");
    const m = LINE.exec(lines[0] as string);
    expect(m).not.toBeNull();
    const [, letter, date, , name, msg] = m as RegExpExecArray;
    expect(letter).toBe("W");
    const now = new Date();
    const yy = String(now.getFullYear() % 100).padStart(2, "0");
    expect(date?.slice(0, 2)).toBe(yy);
    expect(name).toBe("ioloop");
    expect(msg).toBe("slow callback");
  });

  it("appends the stack of an Error given directly or as { err }", () => {
    const lines: string[] = [];
    const log = createDefaultLogger("web", { write: (l) => lines.push(l) });
    const err = new Error("boom");
    log.error(err, "Exception in callback");
    log.error({ err, fd: 7 }, "handler failed");
    expect(lines[0]).toMatch(
      /^\[E \d{6} [\d:]{8} web\] Exception in callback\nError: boom\n\s+at /,
    );
    expect(lines[1]).toMatch(/\] handler failed fd=7\nError: boom\n/);
  });

  it("honours the level option and T_LOG_LEVEL", () => {
    const lines: string[] = [];
    const log = createDefaultLogger("x", { level: "warn", write: (l) => lines.push(l) });
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    expect(lines.map((l) => l[1])).toEqual(["W", "E"]);
    process.env.T_LOG_LEVEL = "debug";
    const lines2: string[] = [];
    createDefaultLogger("x", { write: (l) => lines2.push(l) }).debug("d");
    expect(lines2).toHaveLength(1);
    process.env.T_LOG_LEVEL = "silent";
    const lines3: string[] = [];
    createDefaultLogger("x", { write: (l) => lines3.push(l) }).error("e");
    expect(lines3).toHaveLength(0);
  });

  it("isLevelEnabled tells which levels would be written", () => {
    const log = createDefaultLogger("x", { level: "warn", write: () => {} });
    expect(log.isLevelEnabled?.("info")).toBe(false);
    expect(log.isLevelEnabled?.("warn")).toBe(true);
    expect(log.isLevelEnabled?.("error")).toBe(true);
    expect(log.isLevelEnabled?.("nonsense")).toBe(false);
    const quiet = createDefaultLogger("x", { level: "silent", write: () => {} });
    expect(quiet.isLevelEnabled?.("error")).toBe(false);
  });

  it("rejects unknown levels", () => {
    expect(() => createDefaultLogger("x", { level: "loud" as never })).toThrow(RangeError);
    process.env.T_LOG_LEVEL = "verbose";
    expect(() => createDefaultLogger("x")).toThrow(/T_LOG_LEVEL/);
  });
});

describe("expectLog", () => {
  it("an undeclared warning makes assertClean fail", () => {
    const logger = new CapturingLogger();
    logger.info("fine");
    logger.debug("fine too");
    expect(() => logger.assertClean()).not.toThrow();
    logger.warn("surprise");
    expect(() => logger.assertClean()).toThrow(/undeclared log records:\n {2}\[warn\] surprise/);
  });

  it("declares matching records and fails when nothing matched", async () => {
    const logger = new CapturingLogger();
    await expectLog(logger, "error", /boom/, () => logger.error(new Error("boom"), "Exception"));
    expect(() => logger.assertClean()).not.toThrow();
    await expect(expectLog(logger, "warn", /never/, () => {})).rejects.toThrow(
      /expected a warn log matching/,
    );
  });
});
