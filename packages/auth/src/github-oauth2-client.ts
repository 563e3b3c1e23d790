// GitHubOAuth2Client: "Log in with GitHub" — GitHub's OAuth app endpoints (or GitHub Enterprise's), its user and e-mail APIs.

import type * as oauth from "oauth4webapi";
import { type AuthUser, stringField } from "./auth-user.js";
import { checkUrl } from "./check-url.js";
import { AuthUserInfoError } from "./errors.js";
import { OAuth2Client } from "./oauth2-client.js";
import type { OAuth2FlowOptions } from "./oauth2-flow.js";

/** GitHub's web site: the authorization and token endpoints live under it. */
export const GITHUB_WEB_URL = "https://github.com";
/** GitHub's REST API. */
export const GITHUB_API_URL = "https://api.github.com";
/** The REST API version asked for (`X-GitHub-Api-Version`). */
export const GITHUB_API_VERSION = "2022-11-28";

/** Options of `new GitHubOAuth2Client(options)`. */
export interface GitHubOAuth2ClientOptions extends Omit<OAuth2FlowOptions, "name"> {
  /** The provider's name in this app. Default "github". */
  name?: string;
  /** The web site (GitHub Enterprise Server: `https://github.example.com`). Default github.com. */
  webUrl?: string;
  /** The REST API (GitHub Enterprise Server: `https://github.example.com/api/v3`). Default api.github.com. */
  apiUrl?: string;
}

/** One entry of GitHub's `GET /user/emails`. */
interface GitHubEmail {
  email?: unknown;
  primary?: unknown;
  verified?: unknown;
}

/**
 * "Log in with GitHub" for an OAuth app: the authorization-code flow with `state` and PKCE (S256)
 * against `github.com/login/oauth/*`, the client secret in the token request body, then
 * `GET /user` — and `GET /user/emails` for the primary verified address when the profile's is
 * private. Default scope `read:user user:email`; credentials from `clientId`/`clientSecret` or
 * the `githubOauth` setting (`{ key, secret }`). `user.id` is GitHub's numeric id (stable;
 * `username` is the login, which users can rename).
 */
export class GitHubOAuth2Client extends OAuth2Client {
  /** The REST API base URL. */
  readonly apiUrl: string;

  constructor(options: GitHubOAuth2ClientOptions) {
    const insecure = options.allowInsecureRequests === true;
    const web = checkUrl("webUrl", options.webUrl ?? GITHUB_WEB_URL, insecure).href.replace(
      /\/$/,
      "",
    );
    super({
      name: "github",
      scope: ["read:user", "user:email"],
      settingsKey: options.clientId === undefined ? "githubOauth" : undefined,
      clientAuthMethod: "client_secret_post",
      ...options,
      authorizationEndpoint: `${web}/login/oauth/authorize`,
      tokenEndpoint: `${web}/login/oauth/access_token`,
    });
    this.apiUrl = checkUrl("apiUrl", options.apiUrl ?? GITHUB_API_URL, insecure).href.replace(
      /\/$/,
      "",
    );
  }

  /**
   * GitHub answers a refused code (`bad_verification_code`, `incorrect_client_credentials`)
   * with status 200 and an `error` field; RFC 6749 §5.2 says 400, which is what the token step
   * then sees.
   */
  protected override async adjustTokenResponse(response: Response): Promise<Response> {
    if (response.status !== 200) return response;
    const text = await response.clone().text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return response;
    }
    if (body === null || typeof body !== "object" || !("error" in body)) return response;
    return new Response(text, { status: 400, headers: response.headers });
  }

  /** `GET /user`, and `GET /user/emails` when the public profile has no address. */
  protected override async fetchUser(tokens: oauth.TokenEndpointResponse): Promise<AuthUser> {
    const token = tokens.access_token;
    let profile: unknown;
    try {
      profile = await this.api(`${this.apiUrl}/user`, token);
    } catch (err) {
      throw new AuthUserInfoError(`${this.name}: GET /user failed: ${(err as Error).message}`, {
        cause: err,
      });
    }
    if (profile === null || typeof profile !== "object" || Array.isArray(profile)) {
      throw new AuthUserInfoError(`${this.name}: GET /user did not answer an object`);
    }
    const p = profile as Record<string, unknown>;
    let email = stringField(p, "email");
    let emailVerified: boolean | null = null;
    const granted = (tokens.scope ?? "").split(/[\s,]+/);
    if (email === null && (granted.includes("user:email") || granted.includes("user"))) {
      const emails = await this.api(`${this.apiUrl}/user/emails`, token).catch((err: unknown) => {
        throw new AuthUserInfoError(
          `${this.name}: GET /user/emails failed: ${(err as Error).message}`,
          { cause: err },
        );
      });
      if (Array.isArray(emails)) {
        const primary = (emails as GitHubEmail[]).find(
          (e) => e.primary === true && e.verified === true && typeof e.email === "string",
        );
        if (primary !== undefined) {
          email = primary.email as string;
          emailVerified = true;
        }
      }
    }
    return this.mapGitHubUser(p, email, emailVerified);
  }

  /** The {@link AuthUser} for GitHub's `/user` answer. */
  protected mapGitHubUser(
    profile: Record<string, unknown>,
    email: string | null,
    emailVerified: boolean | null,
  ): AuthUser {
    const id = profile.id;
    if (typeof id !== "number" && typeof id !== "string") {
      throw new AuthUserInfoError(`${this.name}: GET /user has no "id"`);
    }
    return {
      provider: this.name,
      id: String(id),
      name: stringField(profile, "name"),
      email,
      emailVerified,
      username: stringField(profile, "login"),
      picture: stringField(profile, "avatar_url"),
      profile,
    };
  }

  private api(url: string, token: string): Promise<unknown> {
    return this.oauth2Request(url, token, {
      headers: {
        accept: "application/vnd.github+json",
        "x-github-api-version": GITHUB_API_VERSION,
      },
    });
  }
}
