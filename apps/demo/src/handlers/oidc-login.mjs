// "Log in with …": the demo's login through an OpenID Connect provider (@t/auth), into the same signed `user` cookie as the name form.

import { AuthError, localPath, OpenIDConnectClient } from "@t/auth";
import { HTTPError } from "@t/web";
import { BaseHandler, USER_COOKIE } from "./base.mjs";

/**
 * @typedef {object} OidcLoginOptions where "Log in with …" logs in
 * @property {string} issuer            the provider's issuer (its discovery document is read on first use)
 * @property {string} clientId          the demo's client id there
 * @property {string} [clientSecret]    its secret (none: a public client)
 * @property {string} [label]           the provider's name for people ("Log in with <label>"; default "OpenID Connect")
 * @property {string} [redirectUri]     the callback registered with the provider (default: /login/oidc on the request's host)
 * @property {boolean} [allowInsecureRequests] allow an http: issuer (a provider on loopback, in tests)
 */

/** The path of the "Log in with …" route: it starts the login and takes the provider's callback. */
export const OIDC_LOGIN_PATH = "/login/oidc";

/** The demo's names are 1 to 32 letters, digits, spaces, dots, dashes or underscores. */
function demoName(/** @type {import("@t/auth").AuthUser} */ user) {
  const raw = user.name ?? user.username ?? user.email?.split("@")[0] ?? user.id;
  const name = raw
    .replace(/[^\p{L}\p{N} _.-]+/gu, " ")
    .trim()
    .slice(0, 32)
    .trim();
  return name === "" ? "user" : name;
}

/**
 * GET /login/oidc[?next=/path] — off to the provider; GET /login/oidc?code=…&state=… — the
 * provider's answer: the display name goes into the signed `user` cookie, as the name form does,
 * and the browser returns to `next`. A refused or failed login is the demo's error page (403,
 * 400 or 502), with the reason in the log.
 */
export class OidcLoginHandler extends BaseHandler {
  static metricsRoute = "login_oidc";

  /** @param {{ client: OpenIDConnectClient }} args */
  initialize(args) {
    /** @type {OpenIDConnectClient} */
    this.client = args.client;
  }

  async get() {
    const q = this.request.queryArguments;
    try {
      if (q.code === undefined && q.error === undefined && q.state === undefined) {
        await this.client.authorizeRedirect(this, { next: this.getArgument("next", "/") });
        return;
      }
      const { user, next } = await this.client.getAuthenticatedUser(this);
      this.setSignedCookie(USER_COOKIE, demoName(user), { httpOnly: true, sameSite: "Lax" });
      this.redirect(localPath(next, "/"));
    } catch (err) {
      if (err instanceof AuthError) throw new HTTPError(err.status, `${err.code}: ${err.message}`);
      throw err;
    }
  }
}

/**
 * The "Log in with …" route and its client when `options` are given (none otherwise), and
 * `close()` for the client's connections at shutdown.
 * @param {OidcLoginOptions | null | undefined} options
 */
export function createOidcLogin(options) {
  if (!options) return { routes: [], label: null, close() {} };
  const client = new OpenIDConnectClient({
    issuer: options.issuer,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    clientAuthMethod: options.clientSecret === undefined ? "none" : "client_secret_basic",
    redirectUri: options.redirectUri ?? OIDC_LOGIN_PATH,
    allowInsecureRequests: options.allowInsecureRequests === true,
  });
  return {
    /** @type {import("@t/web").RouteSpec[]} */
    routes: [[OIDC_LOGIN_PATH, OidcLoginHandler, { client }, "login_oidc"]],
    label: options.label ?? "OpenID Connect",
    close() {
      client.close();
    },
  };
}
