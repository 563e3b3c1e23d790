// Errors of @t/testing: each names what the test waited for or what it left behind.

/** Base class of every @t/testing error. */
export class TestingError extends Error {
  override name = "TestingError";
  readonly code: string = "T_ERR_TESTING";
}

/** A bounded wait ran out: `waitFor`, `within`, `nextMessage`, `withLoop`'s `timeoutMs`. */
export class TestTimeoutError extends TestingError {
  override name = "TestTimeoutError";
  override readonly code = "T_ERR_TEST_TIMEOUT";
}

/**
 * `withLoop` found what the test left behind: fd handlers still registered with the loop,
 * timers or callbacks still pending, or sockets still open. The message lists them.
 */
export class LeakError extends TestingError {
  override name = "LeakError";
  override readonly code = "T_ERR_TEST_LEAK";
}

/**
 * `expectLog` did not see a line matching its pattern, or (with `allowUnexpected: false`) saw
 * warnings or errors that did not match.
 */
export class ExpectLogError extends TestingError {
  override name = "ExpectLogError";
  override readonly code = "T_ERR_TEST_EXPECT_LOG";
}

/** Every error code of the package (the README's Errors table lists each). */
export const ERROR_CODES = [
  "T_ERR_TESTING",
  "T_ERR_TEST_TIMEOUT",
  "T_ERR_TEST_LEAK",
  "T_ERR_TEST_EXPECT_LOG",
] as const;
