// @t/auth/testing public API (re-exports only): a real OpenID provider and a scripted browser for login tests.

export {
  type BrowserRequest,
  type NavigateOptions,
  type NavigateResult,
  TestBrowser,
} from "./test-browser.js";
export {
  newSigningKey,
  startTestProvider,
  type TestProvider,
  type TestProviderClient,
  type TestProviderOptions,
} from "./test-provider.js";
