// The login in progress, bound to the browser: state, PKCE verifier and nonce in a short-lived signed cookie.

import type { RequestHandler } from "@t/web";

/** What the authorization step remembers for the callback (kept in the browser, signed). */
export interface PendingLogin {
  /** The `state` sent to the provider; the callback must bring it back. */
  state: string;
  /** The PKCE `code_verifier` whose S256 challenge went to the provider. */
  codeVerifier: string;
  /** The OpenID Connect `nonce` the ID token must carry, or null (plain OAuth 2.0). */
  nonce: string | null;
  /** The `redirect_uri` sent to the provider (the token request repeats it). */
  redirectUri: string;
  /** Where to send the user after logging in (a local path), or null. */
  next: string | null;
  /** When the login started (epoch ms). */
  startedAtMs: number;
}

const COOKIE_NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** The name of the state cookie of provider `name` (`_t_auth_<name>`). */
export function pendingLoginCookieName(name: string): string {
  if (typeof name !== "string" || !COOKIE_NAME_RE.test(name)) {
    throw new TypeError(
      `a provider name must be 1-64 letters, digits, '_' or '-', got ${JSON.stringify(name)}`,
    );
  }
  return `_t_auth_${name}`;
}

/** The cookie path: the redirect URI's path, so the cookie goes to the callback only. */
function cookiePath(redirectUri: string): string {
  return new URL(redirectUri).pathname || "/";
}

/**
 * Store `login` in signed cookie `cookieName`: HttpOnly, `SameSite=Lax` (the callback is a
 * top-level cross-site GET, which Lax cookies accompany and Strict ones do not), `Secure` when
 * the request came over https, limited to the callback's path and to `maxAgeMs`.
 */
export function savePendingLogin(
  handler: RequestHandler,
  cookieName: string,
  login: PendingLogin,
  maxAgeMs: number,
): void {
  const value = JSON.stringify([
    1,
    login.state,
    login.codeVerifier,
    login.nonce,
    login.redirectUri,
    login.next,
    login.startedAtMs,
  ]);
  handler.setSignedCookie(cookieName, value, {
    expiresDays: undefined,
    maxAge: Math.max(1, Math.ceil(maxAgeMs / 1000)),
    httpOnly: true,
    sameSite: "Lax",
    secure: handler.request.protocol === "https",
    path: cookiePath(login.redirectUri),
  });
}

/**
 * The pending login of this browser, or null when its cookie is missing, was not signed with
 * this application's `cookieSecret` (or was altered), is malformed or older than `maxAgeMs`.
 */
export function loadPendingLogin(
  handler: RequestHandler,
  cookieName: string,
  maxAgeMs: number,
): PendingLogin | null {
  const raw = handler.getSignedCookie(cookieName, undefined, {
    maxAgeDays: maxAgeMs / 86_400_000,
  });
  if (raw === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length !== 7 || parsed[0] !== 1) return null;
  const [, state, codeVerifier, nonce, redirectUri, next, startedAtMs] = parsed as unknown[];
  if (
    typeof state !== "string" ||
    typeof codeVerifier !== "string" ||
    (nonce !== null && typeof nonce !== "string") ||
    typeof redirectUri !== "string" ||
    (next !== null && typeof next !== "string") ||
    typeof startedAtMs !== "number"
  ) {
    return null;
  }
  const ageMs = Date.now() - startedAtMs;
  if (!(ageMs >= 0 && ageMs <= maxAgeMs)) return null;
  return { state, codeVerifier, nonce, redirectUri, next, startedAtMs };
}

/** Delete the pending-login cookie (a state is good for one callback only). */
export function clearPendingLogin(
  handler: RequestHandler,
  cookieName: string,
  redirectUri: string,
): void {
  handler.clearCookie(cookieName, {
    path: cookiePath(redirectUri),
    httpOnly: true,
    sameSite: "Lax",
    secure: handler.request.protocol === "https",
  });
}
