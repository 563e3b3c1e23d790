// OAuth2Client: the authorization-code flow against a plain OAuth 2.0 provider whose endpoints you name.

import type * as oauth from "oauth4webapi";
import { type AuthUser, userFromClaims } from "./auth-user.js";
import { checkUrl } from "./check-url.js";
import { AuthUserInfoError } from "./errors.js";
import { OAuth2Flow, type OAuth2FlowOptions } from "./oauth2-flow.js";

/** Options of `new OAuth2Client(options)`: the flow's, plus the provider's endpoints. */
export interface OAuth2ClientOptions extends OAuth2FlowOptions {
  /** The provider's authorization endpoint (Tornado's `_OAUTH_AUTHORIZE_URL`). */
  authorizationEndpoint: string;
  /** The provider's token endpoint (Tornado's `_OAUTH_ACCESS_TOKEN_URL`). */
  tokenEndpoint: string;
  /** An endpoint that answers the user as JSON for the access token, or none. */
  userInfoEndpoint?: string;
}

/**
 * A plain OAuth 2.0 provider (no OpenID Connect): authorization and token endpoints given, the
 * user from `userInfoEndpoint` mapped by {@link mapUser} (override it for your provider). The
 * subclass for GitHub is {@link GitHubOAuth2Client}.
 */
export class OAuth2Client extends OAuth2Flow {
  protected override readonly openid: boolean = false;
  /** The authorization endpoint. */
  readonly authorizationEndpoint: string;
  /** The token endpoint. */
  readonly tokenEndpoint: string;
  /** The user-info endpoint, or null. */
  readonly userInfoEndpoint: string | null;
  private readonly metadata: oauth.AuthorizationServer;

  constructor(options: OAuth2ClientOptions) {
    super(options);
    const insecure = options.allowInsecureRequests === true;
    this.authorizationEndpoint = checkUrl(
      "authorizationEndpoint",
      options.authorizationEndpoint,
      insecure,
    ).href;
    this.tokenEndpoint = checkUrl("tokenEndpoint", options.tokenEndpoint, insecure).href;
    this.userInfoEndpoint =
      options.userInfoEndpoint === undefined
        ? null
        : checkUrl("userInfoEndpoint", options.userInfoEndpoint, insecure).href;
    // A plain OAuth 2.0 provider has no issuer identifier; oauth4webapi needs one, and checks
    // it only against ID tokens and `iss` callback parameters, which such a provider never sends.
    this.metadata = {
      issuer: new URL(this.authorizationEndpoint).origin,
      authorization_endpoint: this.authorizationEndpoint,
      token_endpoint: this.tokenEndpoint,
      ...(this.userInfoEndpoint === null ? {} : { userinfo_endpoint: this.userInfoEndpoint }),
    };
  }

  protected override serverMetadata(): Promise<oauth.AuthorizationServer> {
    return Promise.resolve(this.metadata);
  }

  /** GET `userInfoEndpoint` with the access token and map the answer with {@link mapUser}. */
  protected override async fetchUser(tokens: oauth.TokenEndpointResponse): Promise<AuthUser> {
    if (this.userInfoEndpoint === null) {
      return this.mapUser({});
    }
    let profile: unknown;
    try {
      profile = await this.oauth2Request(this.userInfoEndpoint, tokens.access_token);
    } catch (err) {
      throw new AuthUserInfoError(
        `${this.name}: user info request failed: ${(err as Error).message}`,
        { cause: err },
      );
    }
    if (profile === null || typeof profile !== "object" || Array.isArray(profile)) {
      throw new AuthUserInfoError(`${this.name}: user info is not a JSON object`);
    }
    return this.mapUser(profile as Record<string, unknown>);
  }

  /**
   * The {@link AuthUser} for a user-info answer: `id` from `sub` or `id`, then the usual
   * OpenID Connect claim names (`name`, `email`, `email_verified`, `preferred_username`,
   * `picture`). Throws {@link AuthUserInfoError} when there is no id.
   */
  protected mapUser(profile: Record<string, unknown>): AuthUser {
    const user = userFromClaims(this.name, profile);
    if (user === null) {
      throw new AuthUserInfoError(`${this.name}: the user info has no "sub" or "id"`);
    }
    return user;
  }
}
