// Error classes of @t/auth: one base class, a stable `code` each, and the HTTP status a login answers with.

/**
 * Base class of every error @t/auth throws: catch them all with `instanceof AuthError` (within
 * one installed copy of the package) or branch on `code`, which is stable across versions and
 * copies. `status` is what `OAuth2LoginHandler` answers the browser with (4xx: the
 * browser's or the user's doing; 502: the provider failed). The base's own code, `T_ERR_AUTH`,
 * is never thrown by the package itself.
 */
export class AuthError extends Error {
  override readonly name: string = "AuthError";
  /** Stable machine-readable code, e.g. `T_ERR_AUTH_STATE`. */
  readonly code: string = "T_ERR_AUTH";
  /** The HTTP status a login handler answers with for this failure. */
  readonly status: number = 500;
}

/**
 * The callback's `state` does not match the signed state cookie of this browser, or that cookie
 * is missing, tampered with or older than `stateMaxAgeMs`: a forged or replayed callback, a
 * login started in another browser (login CSRF), or a login that took too long. Answered 403.
 */
export class AuthStateError extends AuthError {
  override readonly name: string = "AuthStateError";
  override readonly code: string = "T_ERR_AUTH_STATE";
  override readonly status: number = 403;
}

/**
 * The callback request is not a usable authorization response: no `code`, a parameter given
 * twice, or an `iss` parameter naming another issuer (RFC 9207 mix-up defence). Answered 400.
 */
export class AuthCallbackError extends AuthError {
  override readonly name: string = "AuthCallbackError";
  override readonly code: string = "T_ERR_AUTH_CALLBACK";
  override readonly status: number = 400;
}

/** The OAuth 2.0 `error` and `error_description` a provider answered with. */
export interface OAuthErrorFields {
  /** The OAuth 2.0 error code (`access_denied`, `invalid_grant`, …), or null. */
  readonly error: string | null;
  /** The provider's human-readable description, or null. */
  readonly errorDescription: string | null;
}

/**
 * The provider sent the browser back with an `error` instead of a code: the user refused
 * (`access_denied`), or the request was refused (`invalid_scope`, `unauthorized_client`, …).
 * `error` and `errorDescription` are the provider's. Answered 403.
 */
export class AuthDeniedError extends AuthError implements OAuthErrorFields {
  override readonly name: string = "AuthDeniedError";
  override readonly code: string = "T_ERR_AUTH_DENIED";
  override readonly status: number = 403;
  readonly error: string | null;
  readonly errorDescription: string | null;
  constructor(message: string, fields: Partial<OAuthErrorFields> = {}, options?: ErrorOptions) {
    super(message, options);
    this.error = fields.error ?? null;
    this.errorDescription = fields.errorDescription ?? null;
  }
}

/**
 * The token endpoint refused to exchange the code: `invalid_grant` for an expired or already
 * used code, a PKCE `code_verifier` that does not match the challenge, or a different
 * `redirect_uri`; `invalid_client` for wrong client credentials. `error` and `errorDescription`
 * are the provider's. Answered 403.
 */
export class AuthTokenError extends AuthError implements OAuthErrorFields {
  override readonly name: string = "AuthTokenError";
  override readonly code: string = "T_ERR_AUTH_TOKEN";
  override readonly status: number = 403;
  readonly error: string | null;
  readonly errorDescription: string | null;
  constructor(message: string, fields: Partial<OAuthErrorFields> = {}, options?: ErrorOptions) {
    super(message, options);
    this.error = fields.error ?? null;
    this.errorDescription = fields.errorDescription ?? null;
  }
}

/**
 * The ID token failed validation (OpenID Connect Core §3.1.3.7): missing, not a JWS, a
 * signature that no key of the provider's JWKS verifies, an unexpected `alg`, or an `iss`,
 * `aud`, `azp`, `exp`, `iat` or `nonce` claim that does not match. Answered 403.
 */
export class AuthIdTokenError extends AuthError {
  override readonly name: string = "AuthIdTokenError";
  override readonly code: string = "T_ERR_AUTH_ID_TOKEN";
  override readonly status: number = 403;
}

/**
 * The user-info request failed (an error status, a body that is not JSON) or answered for
 * another user (a `sub` that differs from the ID token's). Answered 502.
 */
export class AuthUserInfoError extends AuthError {
  override readonly name: string = "AuthUserInfoError";
  override readonly code: string = "T_ERR_AUTH_USERINFO";
  override readonly status: number = 502;
}

/**
 * The provider's discovery document (`/.well-known/openid-configuration`) could not be used: an
 * error status, not JSON, an `issuer` other than the configured one, or endpoints missing.
 * Answered 502.
 */
export class AuthDiscoveryError extends AuthError {
  override readonly name: string = "AuthDiscoveryError";
  override readonly code: string = "T_ERR_AUTH_DISCOVERY";
  override readonly status: number = 502;
}

/**
 * The provider could not be reached or answered something unusable: connection refused, a
 * timeout (`requestTimeoutMs`, `connectTimeoutMs`), a body over `maxResponseBytes`, a malformed
 * response. `cause` is the @t/httpclient error (`T_ERR_HTTP_*`). Answered 502.
 */
export class AuthProviderError extends AuthError {
  override readonly name: string = "AuthProviderError";
  override readonly code: string = "T_ERR_AUTH_PROVIDER";
  override readonly status: number = 502;
}

/** Every error code of the package (the README's Errors table lists each). */
export const ERROR_CODES = [
  "T_ERR_AUTH",
  "T_ERR_AUTH_STATE",
  "T_ERR_AUTH_CALLBACK",
  "T_ERR_AUTH_DENIED",
  "T_ERR_AUTH_TOKEN",
  "T_ERR_AUTH_ID_TOKEN",
  "T_ERR_AUTH_USERINFO",
  "T_ERR_AUTH_DISCOVERY",
  "T_ERR_AUTH_PROVIDER",
] as const;
