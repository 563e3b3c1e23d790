// OpenIDConnectClient: login with any OpenID Connect provider — discovery, nonce, ID-token validation against the JWKS, user info.

import * as oauth from "oauth4webapi";
import { type AuthUser, userFromClaims } from "./auth-user.js";
import { checkUrl } from "./check-url.js";
import { AuthDiscoveryError, AuthUserInfoError } from "./errors.js";
import { OAuth2Flow, type OAuth2FlowOptions } from "./oauth2-flow.js";
import { toAuthError } from "./protocol-errors.js";

/**
 * OpenID Provider metadata (OpenID Connect Discovery §3), as far as this package reads it;
 * other fields are kept as they are.
 */
export interface OpenIDProviderMetadata {
  /** The issuer identifier; ID tokens must carry it as `iss`. */
  issuer: string;
  /** Where the browser is sent to log in. */
  authorization_endpoint?: string;
  /** Where the code is exchanged. */
  token_endpoint?: string;
  /** Where the user's claims are fetched with the access token. */
  userinfo_endpoint?: string;
  /** The provider's JSON Web Key Set (ID-token signature keys). */
  jwks_uri?: string;
  /** Algorithms the provider signs ID tokens with. */
  id_token_signing_alg_values_supported?: string[];
  /** Whether authorization responses carry `iss` (RFC 9207); then it is checked. */
  authorization_response_iss_parameter_supported?: boolean;
  /** Anything else the document says. */
  [field: string]: unknown;
}

/** Options of `new OpenIDConnectClient(options)`. */
export interface OpenIDConnectClientOptions extends Omit<OAuth2FlowOptions, "name"> {
  /** The provider's name in this app. Default "oidc". */
  name?: string;
  /**
   * The issuer identifier (`https://accounts.example.com`): its discovery document is
   * `<issuer>/.well-known/openid-configuration`, whose `issuer` must be exactly this.
   */
  issuer: string;
  /**
   * Metadata to use instead of (or over) the discovery document. With `authorization_endpoint`,
   * `token_endpoint` and `jwks_uri` all given, nothing is discovered.
   */
  metadata?: Partial<OpenIDProviderMetadata>;
  /** The `alg` ID tokens must be signed with. Default: any the metadata lists, else RS256. */
  idTokenSignedResponseAlg?: string;
}

/**
 * Login with an OpenID Connect provider (Keycloak, Auth0, Okta, Azure AD, GitLab, Google,
 * oidc-provider…). The provider's metadata is discovered on first use and kept (a failed
 * discovery is retried by the next login); the authorization request carries a `nonce`, the
 * ID token from the token endpoint is validated — signature by a key of the provider's JWKS
 * (fetched through @t/httpclient and cached), `iss`, `aud`, `azp`, `exp`, `iat`, `nonce` — and
 * the user-info endpoint, when there is one, must answer for the ID token's `sub`. Default
 * scope: `openid email profile`.
 */
export class OpenIDConnectClient extends OAuth2Flow {
  protected override readonly openid: boolean = true;
  /** The issuer identifier. */
  readonly issuer: string;
  private readonly overrides: Partial<OpenIDProviderMetadata>;
  private readonly idTokenAlg: string | null;
  private readonly jwks: oauth.JWKSCacheInput = {};
  private metadataPromise: Promise<oauth.AuthorizationServer> | null = null;

  constructor(options: OpenIDConnectClientOptions) {
    super({ scope: ["openid", "email", "profile"], ...options, name: options.name ?? "oidc" });
    const insecure = options.allowInsecureRequests === true;
    // Compared exactly with the discovery document's and the ID token's `iss` (no trailing-slash
    // normalisation: OpenID Connect Discovery §4.3 wants the identical string).
    checkUrl("issuer", options.issuer, insecure);
    this.issuer = options.issuer;
    this.overrides = { ...options.metadata };
    for (const key of [
      "authorization_endpoint",
      "token_endpoint",
      "userinfo_endpoint",
      "jwks_uri",
    ]) {
      const v = this.overrides[key];
      if (v !== undefined) checkUrl(`metadata.${key}`, v, insecure);
    }
    if (this.overrides.issuer !== undefined && this.overrides.issuer !== options.issuer) {
      throw new TypeError(
        `metadata.issuer (${String(this.overrides.issuer)}) differs from issuer (${options.issuer})`,
      );
    }
    this.idTokenAlg = options.idTokenSignedResponseAlg ?? null;
    if (!this.scope.includes("openid")) {
      throw new TypeError(`${this.name}: an OpenID Connect login needs the "openid" scope`);
    }
  }

  /**
   * The provider's metadata: discovered (through @t/httpclient) on first call and kept, with
   * `metadata` laid over it. Call it at startup to fail early on a wrong issuer; rejects with
   * {@link AuthDiscoveryError} or `AuthProviderError`.
   */
  async discover(): Promise<OpenIDProviderMetadata> {
    return (await this.serverMetadata()) as unknown as OpenIDProviderMetadata;
  }

  protected override serverMetadata(): Promise<oauth.AuthorizationServer> {
    if (this.metadataPromise === null) {
      const p = this.loadMetadata();
      this.metadataPromise = p;
      p.catch(() => {
        if (this.metadataPromise === p) this.metadataPromise = null;
      });
    }
    return this.metadataPromise;
  }

  private async loadMetadata(): Promise<oauth.AuthorizationServer> {
    const o = this.overrides;
    let base: oauth.AuthorizationServer = { issuer: o.issuer ?? this.issuer };
    const complete =
      o.authorization_endpoint !== undefined &&
      o.token_endpoint !== undefined &&
      o.jwks_uri !== undefined;
    if (!complete) {
      const issuer = new URL(this.issuer);
      try {
        const res = await oauth.discoveryRequest(issuer, {
          ...this.httpOptions(),
          algorithm: "oidc",
        } as oauth.DiscoveryRequestOptions);
        base = await oauth.processDiscoveryResponse(issuer, res);
      } catch (err) {
        throw toAuthError(err, "discovery", this.name);
      }
    }
    const as = { ...base, ...o } as oauth.AuthorizationServer;
    for (const key of ["authorization_endpoint", "token_endpoint", "jwks_uri"] as const) {
      const v = as[key];
      if (typeof v !== "string") {
        throw new AuthDiscoveryError(`${this.name}: the provider's metadata has no ${key}`);
      }
      try {
        checkUrl(key, v, this.allowInsecureRequests);
      } catch (err) {
        throw new AuthDiscoveryError(`${this.name}: ${(err as Error).message}`, { cause: err });
      }
    }
    return as;
  }

  protected override clientMetadata(clientId: string): oauth.Client {
    const client = super.clientMetadata(clientId);
    if (this.idTokenAlg !== null) client.id_token_signed_response_alg = this.idTokenAlg;
    return client;
  }

  protected override signatureOptions(): oauth.ValidateSignatureOptions {
    return { ...super.signatureOptions(), [oauth.jwksCache]: this.jwks };
  }

  /**
   * The user: the user-info answer (which must be for the ID token's `sub`) laid over the ID
   * token's claims, mapped by {@link mapUser}; without a user-info endpoint, the claims alone.
   */
  protected override async fetchUser(
    tokens: oauth.TokenEndpointResponse,
    claims: oauth.IDToken | null,
    as: oauth.AuthorizationServer,
    client: oauth.Client,
  ): Promise<AuthUser> {
    const idClaims: Record<string, unknown> = { ...(claims ?? {}) };
    let profile = idClaims;
    if (typeof as.userinfo_endpoint === "string" && claims !== null) {
      try {
        const res = await oauth.userInfoRequest(
          as,
          client,
          tokens.access_token,
          this.httpOptions() as oauth.UserInfoRequestOptions,
        );
        const info = await oauth.processUserInfoResponse(as, client, claims.sub, res);
        profile = { ...idClaims, ...info };
      } catch (err) {
        throw toAuthError(err, "userinfo", this.name);
      }
    }
    return this.mapUser(profile);
  }

  /** The {@link AuthUser} for the merged claims (override for provider-specific fields). */
  protected mapUser(profile: Record<string, unknown>): AuthUser {
    const user = userFromClaims(this.name, profile);
    if (user === null) throw new AuthUserInfoError(`${this.name}: no "sub" claim`);
    return user;
  }
}
