// @t/auth public API (re-exports only).

export {
  type AuthFetchInit,
  type AuthHTTPOptions,
  AuthTransport,
  DEFAULT_AUTH_CONNECT_TIMEOUT_MS,
  DEFAULT_AUTH_MAX_RESPONSE_BYTES,
  DEFAULT_AUTH_REQUEST_TIMEOUT_MS,
  DEFAULT_AUTH_USER_AGENT,
} from "./auth-transport.js";
export {
  type AuthResult,
  type AuthTokens,
  type AuthUser,
  userFromClaims,
} from "./auth-user.js";
export {
  AuthCallbackError,
  AuthDeniedError,
  AuthDiscoveryError,
  AuthError,
  AuthIdTokenError,
  AuthProviderError,
  AuthStateError,
  AuthTokenError,
  AuthUserInfoError,
  ERROR_CODES,
  type OAuthErrorFields,
} from "./errors.js";
export {
  GITHUB_API_URL,
  GITHUB_API_VERSION,
  GITHUB_WEB_URL,
  GitHubOAuth2Client,
  type GitHubOAuth2ClientOptions,
} from "./github-oauth2-client.js";
export {
  GOOGLE_METADATA,
  GoogleOAuth2Client,
  type GoogleOAuth2ClientOptions,
} from "./google-oauth2-client.js";
export { localPath } from "./local-path.js";
export { OAuth2Client, type OAuth2ClientOptions } from "./oauth2-client.js";
export {
  type AuthorizeOptions,
  type ClientAuthMethod,
  DEFAULT_STATE_MAX_AGE_MS,
  OAuth2Flow,
  type OAuth2FlowOptions,
} from "./oauth2-flow.js";
export { type OAuth2LoginArgs, OAuth2LoginHandler } from "./oauth2-login-handler.js";
export {
  OpenIDConnectClient,
  type OpenIDConnectClientOptions,
  type OpenIDProviderMetadata,
} from "./openid-connect-client.js";
export { AUTH_SETTINGS, type OAuthCredentials } from "./settings.js";
export {
  clearUserCookie,
  DEFAULT_USER_COOKIE,
  type GetUserCookieOptions,
  getUserCookie,
  type SessionUser,
  type SetUserCookieOptions,
  setUserCookie,
} from "./user-cookie.js";
