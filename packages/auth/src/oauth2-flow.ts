// OAuth2Flow: Tornado's OAuth2Mixin as an object a RequestHandler calls — authorize redirect with state and PKCE, code exchange, user.

import { constantTimeEqual, MissingSettingError, type RequestHandler } from "@t/web";
import * as oauth from "oauth4webapi";
import { type AuthHTTPOptions, AuthTransport } from "./auth-transport.js";
import type { AuthResult, AuthTokens, AuthUser } from "./auth-user.js";
import { checkUrl } from "./check-url.js";
import { AuthProviderError, AuthStateError } from "./errors.js";
import { localPath } from "./local-path.js";
import {
  clearPendingLogin,
  loadPendingLogin,
  type PendingLogin,
  pendingLoginCookieName,
  savePendingLogin,
} from "./pending-login.js";
import { toAuthError } from "./protocol-errors.js";
import type { OAuthCredentials } from "./settings.js";

/** How the client proves itself at the token endpoint (RFC 6749 §2.3, OIDC Core §9). */
export type ClientAuthMethod = "client_secret_basic" | "client_secret_post" | "none";

/** Default `stateMaxAgeMs`: how long a started login may take (10 minutes). */
export const DEFAULT_STATE_MAX_AGE_MS = 10 * 60 * 1000;

/** Parameters the flow sets itself; `extraParams` may not replace them. */
const PROTOCOL_PARAMS = new Set([
  "client_id",
  "redirect_uri",
  "response_type",
  "scope",
  "state",
  "nonce",
  "code_challenge",
  "code_challenge_method",
]);

/** Options every flow takes. Times in ms. */
export interface OAuth2FlowOptions extends AuthHTTPOptions {
  /**
   * The provider's name in this app: it names the state cookie (`_t_auth_<name>`) and
   * `AuthUser.provider`. Letters, digits, `_`, `-`.
   */
  name: string;
  /** The client id registered with the provider. Default: from the `settingsKey` setting. */
  clientId?: string;
  /** The client secret (not needed with `clientAuthMethod: "none"`). Default: from `settingsKey`. */
  clientSecret?: string;
  /**
   * An Application setting holding `{ key, secret }` (Tornado's `google_oauth` shape), read when
   * `clientId` is not given: e.g. `"googleOauth"`.
   */
  settingsKey?: string;
  /**
   * The callback URL registered with the provider: absolute (`https://app.example/auth/github`,
   * best in production) or a path resolved against the request's protocol and Host.
   */
  redirectUri: string;
  /** Scopes asked for by default. */
  scope?: readonly string[];
  /** How the client authenticates at the token endpoint. Default "client_secret_basic". */
  clientAuthMethod?: ClientAuthMethod;
  /** Extra authorization-request parameters for every login (`prompt`, `access_type`, …). */
  extraAuthorizeParams?: Readonly<Record<string, string>>;
  /** How long a started login stays valid (the state cookie's life). Default 600 000 (10 min). */
  stateMaxAgeMs?: number;
  /**
   * Allow `http:` provider URLs. Off by default: tokens and secrets cross these requests. Turn
   * it on only for a provider on loopback (tests, local development).
   */
  allowInsecureRequests?: boolean;
}

/** Options of one `authorizeRedirect` / `authorizationUrl` call. */
export interface AuthorizeOptions {
  /** Scopes for this login (default: the client's `scope`). */
  scope?: readonly string[];
  /** Extra parameters for this login (`login_hint`, `prompt`, …), added to `extraAuthorizeParams`. */
  extraParams?: Readonly<Record<string, string>>;
  /** A local path to come back to after the login (`AuthResult.next`); anything else is dropped. */
  next?: string | null;
}

/**
 * The OAuth 2.0 authorization-code flow for RequestHandlers, Tornado's `OAuth2Mixin` as an
 * object the handler calls instead of a class it inherits from (one client serves every
 * request; make it once, with the app):
 *
 * 1. `authorizeRedirect(handler, { next })` — a random `state`, a PKCE verifier (S256) and for
 *    OpenID Connect a `nonce` go into a short-lived signed cookie bound to this browser; the
 *    browser is redirected to the provider.
 * 2. `getAuthenticatedUser(handler)` on the callback — the `state` must match the cookie (which
 *    is then deleted: one callback per login), the code is exchanged with the verifier, the ID
 *    token validated (OpenID Connect) and the user fetched.
 *
 * The protocol work is oauth4webapi's; every HTTP request goes through @t/httpclient
 * ({@link AuthTransport}: timeouts, a size limit). Subclasses say where the endpoints are and
 * how to get the user: {@link OAuth2Client}, {@link OpenIDConnectClient},
 * {@link GitHubOAuth2Client}, {@link GoogleOAuth2Client}.
 */
export abstract class OAuth2Flow {
  /** The provider's name in this app. */
  readonly name: string;
  /** The configured redirect URI (absolute or a path). */
  readonly redirectUri: string;
  /** Default scopes. */
  readonly scope: readonly string[];
  /** How long a started login stays valid, in ms. */
  readonly stateMaxAgeMs: number;
  /** The HTTP side: every request to the provider goes through it. */
  readonly transport: AuthTransport;
  /** Whether `http:` provider URLs are allowed. */
  readonly allowInsecureRequests: boolean;
  /** The state cookie's name. */
  protected readonly cookieName: string;
  private readonly clientId: string | null;
  private readonly clientSecret: string | null;
  private readonly settingsKey: string | null;
  private readonly clientAuthMethod: ClientAuthMethod;
  private readonly extraAuthorizeParams: Readonly<Record<string, string>>;

  /** True when the flow is OpenID Connect (nonce, ID token). */
  protected abstract readonly openid: boolean;

  constructor(options: OAuth2FlowOptions) {
    if (options === null || typeof options !== "object") {
      throw new TypeError("OAuth2 client options must be an object");
    }
    this.name = options.name;
    this.cookieName = pendingLoginCookieName(options.name);
    this.allowInsecureRequests = options.allowInsecureRequests === true;
    if (typeof options.redirectUri !== "string" || options.redirectUri === "") {
      throw new TypeError("redirectUri must be an absolute URL or a path starting with /");
    }
    if (!options.redirectUri.startsWith("/")) {
      checkUrl("redirectUri", options.redirectUri, true);
    }
    this.redirectUri = options.redirectUri;
    const scope = options.scope ?? [];
    if (!Array.isArray(scope) || scope.some((s) => typeof s !== "string" || /\s/.test(s))) {
      throw new TypeError("scope must be an array of scope names without spaces");
    }
    this.scope = [...scope];
    const maxAge = options.stateMaxAgeMs ?? DEFAULT_STATE_MAX_AGE_MS;
    if (typeof maxAge !== "number" || !(maxAge > 0) || !Number.isFinite(maxAge)) {
      throw new RangeError(`stateMaxAgeMs must be a positive number, got ${String(maxAge)}`);
    }
    this.stateMaxAgeMs = maxAge;
    this.clientId = options.clientId ?? null;
    this.clientSecret = options.clientSecret ?? null;
    this.settingsKey = options.settingsKey ?? null;
    if (this.clientId === null && this.settingsKey === null) {
      throw new TypeError(
        `${options.name}: give clientId (or settingsKey to read it from settings)`,
      );
    }
    const method = options.clientAuthMethod ?? "client_secret_basic";
    if (!["client_secret_basic", "client_secret_post", "none"].includes(method)) {
      throw new TypeError(
        `clientAuthMethod must be client_secret_basic, client_secret_post or none`,
      );
    }
    this.clientAuthMethod = method;
    this.extraAuthorizeParams = checkExtraParams(options.extraAuthorizeParams ?? {});
    this.transport = new AuthTransport(options);
  }

  /** The provider's metadata: endpoints (and for OpenID Connect issuer and JWKS). */
  protected abstract serverMetadata(): Promise<oauth.AuthorizationServer>;

  /**
   * Who logged in, from the token response (and the validated ID token claims, or null):
   * usually a request to a user-info endpoint.
   */
  protected abstract fetchUser(
    tokens: oauth.TokenEndpointResponse,
    idTokenClaims: oauth.IDToken | null,
    as: oauth.AuthorizationServer,
    client: oauth.Client,
  ): Promise<AuthUser>;

  /**
   * Hook: look at (or rewrite) the token endpoint's raw response before it is processed. GitHub
   * answers a refused code with status 200 and an `error` field; its client turns that into the
   * 400 RFC 6749 prescribes.
   */
  protected adjustTokenResponse(response: Response): Promise<Response> {
    return Promise.resolve(response);
  }

  /** The options every oauth4webapi request gets: our transport, and http: if allowed. */
  protected httpOptions(): oauth.HttpRequestOptions<"GET" | "POST", URLSearchParams> {
    return {
      [oauth.customFetch]: this.transport.fetch,
      [oauth.allowInsecureRequests]: this.allowInsecureRequests,
    } as oauth.HttpRequestOptions<"GET" | "POST", URLSearchParams>;
  }

  /** The client metadata oauth4webapi checks responses against. */
  protected clientMetadata(clientId: string): oauth.Client {
    return { client_id: clientId, token_endpoint_auth_method: this.clientAuthMethod };
  }

  /**
   * This request's client id and secret: the options', else `settings[settingsKey]`
   * (`{ key, secret }`). MissingSettingError when neither has them.
   */
  protected credentials(handler: RequestHandler): {
    clientId: string;
    clientSecret: string | null;
  } {
    if (this.clientId !== null) return { clientId: this.clientId, clientSecret: this.clientSecret };
    const key = this.settingsKey as string;
    const creds = (handler.settings as Record<string, unknown>)[key] as
      | OAuthCredentials
      | undefined;
    if (creds === undefined || creds === null || typeof creds.key !== "string") {
      throw new MissingSettingError(key, `${this.name} login ({ key, secret })`);
    }
    return {
      clientId: creds.key,
      clientSecret: typeof creds.secret === "string" ? creds.secret : null,
    };
  }

  /** The redirect URI for this request: the configured one, a path resolved against the request. */
  resolveRedirectUri(handler: RequestHandler): string {
    if (!this.redirectUri.startsWith("/")) return this.redirectUri;
    const req = handler.request;
    return new URL(this.redirectUri, `${req.protocol}://${req.host}`).href;
  }

  /**
   * Start a login: remember state, PKCE verifier and nonce in the browser's signed state cookie
   * and return the provider's authorization URL (the browser must be sent there). Use
   * {@link authorizeRedirect} unless you send the browser yourself.
   */
  async authorizationUrl(handler: RequestHandler, options: AuthorizeOptions = {}): Promise<URL> {
    const scope = options.scope ?? this.scope;
    if (!Array.isArray(scope) || scope.some((s) => typeof s !== "string" || /\s/.test(s))) {
      throw new TypeError("scope must be an array of scope names without spaces");
    }
    const extra = { ...this.extraAuthorizeParams, ...checkExtraParams(options.extraParams ?? {}) };
    const { clientId } = this.credentials(handler);
    const as = await this.serverMetadata();
    if (typeof as.authorization_endpoint !== "string") {
      throw new AuthProviderError(`${this.name}: the provider has no authorization_endpoint`);
    }
    const redirectUri = this.resolveRedirectUri(handler);
    const login: PendingLogin = {
      state: oauth.generateRandomState(),
      codeVerifier: oauth.generateRandomCodeVerifier(),
      nonce: this.openid ? oauth.generateRandomNonce() : null,
      redirectUri,
      next: options.next == null ? null : localPath(options.next, "") || null,
      startedAtMs: Date.now(),
    };
    const url = new URL(as.authorization_endpoint);
    for (const [k, v] of Object.entries(extra)) url.searchParams.set(k, v);
    url.searchParams.set("client_id", clientId);
    url.searchParams.set("redirect_uri", redirectUri);
    url.searchParams.set("response_type", "code");
    if (scope.length > 0) url.searchParams.set("scope", scope.join(" "));
    url.searchParams.set("state", login.state);
    url.searchParams.set(
      "code_challenge",
      await oauth.calculatePKCECodeChallenge(login.codeVerifier),
    );
    url.searchParams.set("code_challenge_method", "S256");
    if (login.nonce !== null) url.searchParams.set("nonce", login.nonce);
    savePendingLogin(handler, this.cookieName, login, this.stateMaxAgeMs);
    return url;
  }

  /**
   * Tornado's `authorize_redirect`: start a login and redirect the browser (302) to the
   * provider. Register the redirect URI with the provider; it comes back there with `code` and
   * `state`, where {@link getAuthenticatedUser} finishes the login.
   */
  async authorizeRedirect(handler: RequestHandler, options: AuthorizeOptions = {}): Promise<void> {
    const url = await this.authorizationUrl(handler, options);
    handler.redirect(url.href);
  }

  /**
   * Tornado's `get_authenticated_user`, on the callback request: check `state` against this
   * browser's state cookie (then delete it), exchange the code with the PKCE verifier, validate
   * the ID token (OpenID Connect: signature by the provider's JWKS, `iss`, `aud`, `azp`, `exp`,
   * `iat`, `nonce`), fetch the user. Rejects with an `AuthError` subclass whose `status` suits
   * the answer (403 refused, 400 malformed, 502 provider failure).
   */
  async getAuthenticatedUser(handler: RequestHandler): Promise<AuthResult> {
    const redirectUri = this.resolveRedirectUri(handler);
    const pending = loadPendingLogin(handler, this.cookieName, this.stateMaxAgeMs);
    clearPendingLogin(handler, this.cookieName, redirectUri);
    const params = new URLSearchParams(handler.request.query);
    if (pending === null) {
      throw new AuthStateError(
        `${this.name}: no login in progress in this browser (the state cookie is missing, ` +
          `expired after ${this.stateMaxAgeMs} ms, or not signed by this app)`,
      );
    }
    const state = params.get("state");
    if (state === null || !constantTimeEqual(state, pending.state)) {
      throw new AuthStateError(
        `${this.name}: the callback's state ${state === null ? "is missing" : "does not match"} the one this browser was sent with`,
      );
    }
    const { clientId, clientSecret } = this.credentials(handler);
    const as = await this.serverMetadata();
    const client = this.clientMetadata(clientId);
    let callback: URLSearchParams;
    try {
      callback = oauth.validateAuthResponse(as, client, params, pending.state);
    } catch (err) {
      throw toAuthError(err, "callback", this.name);
    }
    let tokens: oauth.TokenEndpointResponse;
    let response: Response;
    try {
      response = await oauth.authorizationCodeGrantRequest(
        as,
        client,
        this.clientAuth(clientSecret),
        callback,
        pending.redirectUri,
        pending.codeVerifier,
        this.httpOptions() as oauth.TokenEndpointRequestOptions,
      );
      response = await this.adjustTokenResponse(response);
      tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
        expectedNonce: pending.nonce ?? oauth.expectNoNonce,
        requireIdToken: this.openid,
      });
    } catch (err) {
      throw toAuthError(err, "token", this.name);
    }
    let claims: oauth.IDToken | null = null;
    if (this.openid) {
      try {
        await oauth.validateApplicationLevelSignature(as, response, this.signatureOptions());
      } catch (err) {
        throw toAuthError(err, "signature", this.name);
      }
      claims = oauth.getValidatedIdTokenClaims(tokens) ?? null;
    }
    const user = await this.fetchUser(tokens, claims, as, client);
    return {
      user,
      tokens: tokenSet(tokens),
      idTokenClaims: claims === null ? null : { ...claims },
      next: pending.next,
    };
  }

  /** Options for ID-token signature checks (the JWKS request; OpenID Connect adds its cache). */
  protected signatureOptions(): oauth.ValidateSignatureOptions {
    return this.httpOptions() as oauth.ValidateSignatureOptions;
  }

  /**
   * Tornado's `oauth2_request`: call a provider API with an access token (sent as
   * `Authorization: Bearer`, never in the URL) and return its JSON. `query` is added to the URL;
   * `body` is sent form-encoded (POST unless `method` says otherwise). A status outside 200..299
   * or a body that is not JSON rejects with {@link AuthProviderError}.
   */
  async oauth2Request(
    url: string,
    accessToken: string,
    options: {
      method?: string;
      query?: Readonly<Record<string, string>>;
      body?: Readonly<Record<string, string>>;
      headers?: Readonly<Record<string, string>>;
    } = {},
  ): Promise<unknown> {
    const target = checkUrl("url", url, this.allowInsecureRequests);
    for (const [k, v] of Object.entries(options.query ?? {})) target.searchParams.set(k, v);
    const headers = new Headers(options.headers as Record<string, string> | undefined);
    if (!headers.has("accept")) headers.set("accept", "application/json");
    let body: string | undefined;
    if (options.body !== undefined) {
      body = new URLSearchParams(options.body as Record<string, string>).toString();
      headers.set("content-type", "application/x-www-form-urlencoded;charset=UTF-8");
    }
    const method = options.method ?? (body === undefined ? "GET" : "POST");
    const res = await oauth.protectedResourceRequest(
      accessToken,
      method,
      target,
      headers,
      body,
      this.httpOptions() as oauth.ProtectedResourceRequestOptions,
    );
    const text = await res.text();
    if (res.status < 200 || res.status > 299) {
      throw new AuthProviderError(
        `${this.name}: ${method} ${target.origin}${target.pathname} answered ${res.status}: ${text.slice(0, 200)}`,
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new AuthProviderError(
        `${this.name}: ${method} ${target.origin}${target.pathname} did not answer JSON`,
        { cause: err },
      );
    }
  }

  /** Close the HTTP client this client made (one passed as `httpClient` stays open). */
  close(): void {
    this.transport.close();
  }

  private clientAuth(secret: string | null): oauth.ClientAuth {
    if (this.clientAuthMethod === "none") return oauth.None();
    if (secret === null) {
      throw new TypeError(
        `${this.name}: clientSecret is needed for clientAuthMethod ${this.clientAuthMethod}`,
      );
    }
    return this.clientAuthMethod === "client_secret_post"
      ? oauth.ClientSecretPost(secret)
      : oauth.ClientSecretBasic(secret);
  }
}

function checkExtraParams(params: Readonly<Record<string, string>>): Record<string, string> {
  if (params === null || typeof params !== "object") {
    throw new TypeError("extra authorization parameters must be an object of strings");
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (typeof v !== "string") throw new TypeError(`authorization parameter ${k} must be a string`);
    if (PROTOCOL_PARAMS.has(k)) {
      throw new TypeError(`authorization parameter ${k} is set by the flow and cannot be replaced`);
    }
    out[k] = v;
  }
  return out;
}

function tokenSet(t: oauth.TokenEndpointResponse): AuthTokens {
  return {
    accessToken: t.access_token,
    tokenType: t.token_type,
    expiresInSeconds: typeof t.expires_in === "number" ? t.expires_in : null,
    refreshToken: typeof t.refresh_token === "string" ? t.refresh_token : null,
    idToken: typeof t.id_token === "string" ? t.id_token : null,
    scope: typeof t.scope === "string" ? t.scope : null,
  };
}
