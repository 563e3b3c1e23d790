// Errors of @t/testing: each names what the test waited for or what it left behind.

/**
 * Base class of every error @t/testing throws: catch them all with `instanceof TestingError`
 * (within one installed copy of the package) or branch on `code`, which is stable across versions
 * and copies. The base's own code, `T_ERR_TESTING`, is never thrown by the package itself.
 */
export class TestingError extends Error {
  override readonly name: string = "TestingError";
  /** Stable machine-readable code, e.g. `T_ERR_TEST_TIMEOUT`. */
  readonly code: string = "T_ERR_TESTING";
}

/** A bounded wait ran out: `waitFor`, `within`, `nextMessage`, `withLoop`'s `timeoutMs`. */
export class TestTimeoutError extends TestingError {
  override readonly name = "TestTimeoutError";
  override readonly code = "T_ERR_TEST_TIMEOUT";
}

/**
 * `withLoop` found what the test left behind: fd handlers still registered with the loop,
 * timers or callbacks still pending, or sockets still open. The message lists them.
 */
export class LeakError extends TestingError {
  override readonly name = "LeakError";
  override readonly code = "T_ERR_TEST_LEAK";
}

/**
 * `expectLog` did not see a line matching its pattern, or (with `allowUnexpected: false`) saw
 * warnings or errors that did not match.
 */
export class ExpectLogError extends TestingError {
  override readonly name = "ExpectLogError";
  override readonly code = "T_ERR_TEST_EXPECT_LOG";
}

/**
 * Every code of this package, by class name (the README's Errors table lists each). Compare
 * `err.code` with these rather than using `instanceof` across package boundaries: a program may
 * load two copies of @t/testing.
 */
export const ERROR_CODES = Object.freeze({
  TestingError: "T_ERR_TESTING",
  TestTimeoutError: "T_ERR_TEST_TIMEOUT",
  LeakError: "T_ERR_TEST_LEAK",
  ExpectLogError: "T_ERR_TEST_EXPECT_LOG",
} as const);
