// @t/testing public API (re-exports only).

export { bindUnusedPort, type UnusedPort } from "./bind-unused-port.js";
export { CaptureLogger, type LogEntry, type LoggerShape } from "./capture-logger.js";
export { type ErrorTableOptions, errorTableProblems } from "./error-table.js";
export {
  ERROR_CODES,
  ExpectLogError,
  LeakError,
  TestingError,
  TestTimeoutError,
} from "./errors.js";
export { type ExpectLogOptions, expectLog, LAYER_LOGGER_NAMES } from "./expect-log.js";
export {
  LoopFixture,
  type LoopFixtureOptions,
  type WithLoopOptions,
  withLoop,
} from "./loop-fixture.js";
export {
  type RunScriptOptions,
  readmeCodeBlock,
  runScript,
  type ScriptResult,
} from "./run-script.js";
export {
  type AppTarget,
  type Listenable,
  type StartAppOptions,
  startApp,
  type TestApp,
} from "./start-app.js";
export {
  DEFAULT_WAIT_TIMEOUT_MS,
  rejection,
  sleep,
  type WaitForOptions,
  waitFor,
  within,
} from "./waits.js";
export {
  type CloseInfo,
  type ConnectWebSocketOptions,
  connectWebSocket,
  TestWebSocket,
} from "./websocket-client.js";
