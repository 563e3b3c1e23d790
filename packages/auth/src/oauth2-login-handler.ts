// OAuth2LoginHandler: a ready-made login route — start the login, finish it on the callback, set the signed user cookie.

import { HTTPError, RequestHandler } from "@t/web";
import type { AuthResult } from "./auth-user.js";
import { AuthError } from "./errors.js";
import { localPath } from "./local-path.js";
import type { OAuth2Flow } from "./oauth2-flow.js";
import { DEFAULT_USER_COOKIE, setUserCookie } from "./user-cookie.js";

/** initArgs of an {@link OAuth2LoginHandler} route. */
export interface OAuth2LoginArgs {
  /** The provider client (an {@link OAuth2Flow}: GitHub, Google, OpenID Connect, yours). */
  client: OAuth2Flow;
  /** Name of the signed user cookie set after the login. Default "user". */
  userCookie?: string;
  /** Days the user cookie lasts. Default 30. */
  userCookieExpiresDays?: number;
  /** Scopes for this route (default: the client's). */
  scope?: readonly string[];
  /** Extra authorization parameters for this route (`prompt`, `login_hint`, …). */
  extraParams?: Readonly<Record<string, string>>;
  /** Where to go after the login when no local `next` was given. Default "/". */
  defaultNext?: string;
}

/**
 * One route for both legs of a login, as Tornado's examples write it: GET without `code`,
 * `error` or `state` starts the login (`?next=/path` is remembered); GET with them is the
 * callback — the user is logged in with a signed cookie (`setUserCookie`) and redirected to
 * `next`. Register the route's URL as the client's `redirectUri`. A refused or failed login
 * answers the `AuthError`'s `status` (403, 400 or 502), and the reason goes to the log.
 *
 * ```ts
 * ["/auth/github", OAuth2LoginHandler, { client: github }]
 * ```
 *
 * Override {@link onAuthenticated} to create accounts, keep tokens server-side or pick the
 * cookie's contents; call `super.onAuthenticated(result)` for the default.
 */
export class OAuth2LoginHandler extends RequestHandler {
  /** The provider client of this route. */
  protected client!: OAuth2Flow;
  /** The signed user cookie's name. */
  protected userCookie = DEFAULT_USER_COOKIE;
  /** Days the user cookie lasts. */
  protected userCookieExpiresDays = 30;
  /** Scopes for this route, or undefined for the client's. */
  protected scope: readonly string[] | undefined = undefined;
  /** Extra authorization parameters for this route. */
  protected extraParams: Readonly<Record<string, string>> | undefined = undefined;
  /** Where to go when no `next` was given. */
  protected defaultNext = "/";

  override initialize(initArgs: Record<string, unknown>): void {
    const args = initArgs as Partial<OAuth2LoginArgs>;
    if (args.client === undefined || typeof args.client?.getAuthenticatedUser !== "function") {
      throw new TypeError("OAuth2LoginHandler needs initArgs { client } (an OAuth2Flow)");
    }
    this.client = args.client;
    if (args.userCookie !== undefined) this.userCookie = args.userCookie;
    if (args.userCookieExpiresDays !== undefined) {
      this.userCookieExpiresDays = args.userCookieExpiresDays;
    }
    this.scope = args.scope;
    this.extraParams = args.extraParams;
    if (args.defaultNext !== undefined) this.defaultNext = localPath(args.defaultNext, "/");
  }

  /** Start the login, or finish it when the provider sent the browser back. */
  override async get(): Promise<void> {
    const q = this.request.queryArguments;
    const isCallback = q.code !== undefined || q.error !== undefined || q.state !== undefined;
    try {
      if (!isCallback) {
        await this.client.authorizeRedirect(this, {
          next: this.getQueryArgument("next", null),
          ...(this.scope === undefined ? {} : { scope: this.scope }),
          ...(this.extraParams === undefined ? {} : { extraParams: this.extraParams }),
        });
        return;
      }
      const result = await this.client.getAuthenticatedUser(this);
      await this.onAuthenticated(result);
    } catch (err) {
      if (err instanceof AuthError) {
        throw new HTTPError(err.status, `${err.code}: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  /**
   * After a successful login: set the signed user cookie (provider, id, name, e-mail) and
   * redirect to `next` (a local path) or `defaultNext`.
   */
  protected async onAuthenticated(result: AuthResult): Promise<void> {
    setUserCookie(this, result.user, {
      name: this.userCookie,
      expiresDays: this.userCookieExpiresDays,
    });
    this.redirect(localPath(result.next, this.defaultNext));
  }
}
