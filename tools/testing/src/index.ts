// Test-only helpers for the suites below @t/testing in the direction rule (iostream, tcpserver,
// httpserver cannot depend on @t/testing, which depends on them). The logger, the loop fixture,
// the waits and the README checks are @t/testing's own files, used here by path; only the TLS
// fixtures and `until` live here.

import { waitFor as poll } from "../../../packages/testing/src/waits.js";

export {
  CaptureLogger,
  type LogEntry,
  type LoggerShape,
} from "../../../packages/testing/src/capture-logger.js";
export {
  type ErrorTableOptions,
  errorTableProblems,
} from "../../../packages/testing/src/error-table.js";
export {
  LoopFixture,
  type LoopFixtureOptions,
} from "../../../packages/testing/src/loop-fixture.js";
export {
  readmeCodeBlock,
  runScript,
  type ScriptResult,
} from "../../../packages/testing/src/run-script.js";
export { rejection, sleep, within } from "../../../packages/testing/src/waits.js";
export { tlsFixtures } from "./tls-fixtures.js";

/** Poll until `cond()` holds, at most `ms` milliseconds (positional form of @t/testing's `waitFor`). */
export async function until(cond: () => boolean, ms = 10_000, what = "condition"): Promise<void> {
  await poll(cond, { timeoutMs: ms, what });
}

// `waitFor(cond, ms, what)`: the name the tcpserver suite uses.
export { until as waitFor };
