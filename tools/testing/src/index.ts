// Test-only helpers shared by every package's suite (never imported by published code).

export { CaptureLogger, type LogEntry, type LoggerShape } from "./capture-logger.js";
export { tlsFixtures } from "./tls-fixtures.js";
export { rejection, sleep, until, waitFor, within } from "./waits.js";
