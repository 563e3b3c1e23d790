// The logged-in user in a signed cookie: written after a login, read back by getCurrentUser().

import type { RequestHandler } from "@t/web";
import type { AuthUser } from "./auth-user.js";

/** Default name of the signed user cookie. */
export const DEFAULT_USER_COOKIE = "user";

/**
 * What the user cookie holds: enough to greet and to look the account up, small enough for a
 * cookie. Tokens never go into it (a signed cookie is readable by its holder).
 */
export interface SessionUser {
  /** The provider the user logged in with. */
  provider: string;
  /** The provider's stable user id. */
  id: string;
  /** Display name (or the login name, or the e-mail address), or null. */
  name: string | null;
  /** E-mail address, or null. */
  email: string | null;
}

/** Options of {@link setUserCookie}. */
export interface SetUserCookieOptions {
  /** Cookie name. Default "user". */
  name?: string;
  /** Days until the browser forgets the login. Default 30. */
  expiresDays?: number;
}

/** Options of {@link getUserCookie}. */
export interface GetUserCookieOptions {
  /** Cookie name. Default "user". */
  name?: string;
  /** Oldest accepted signature, in days. Default 31. */
  maxAgeDays?: number;
}

/**
 * After a login: keep `user` (provider, id, name, e-mail) in the signed cookie `name` (Tornado's
 * `set_signed_cookie("user", json)`), HttpOnly, `SameSite=Lax`, `Secure` over https. Needs the
 * `cookieSecret` setting.
 */
export function setUserCookie(
  handler: RequestHandler,
  user: AuthUser | SessionUser,
  options: SetUserCookieOptions = {},
): void {
  const value: SessionUser = {
    provider: user.provider,
    id: user.id,
    name: user.name ?? ("username" in user ? user.username : null) ?? user.email ?? null,
    email: user.email ?? null,
  };
  handler.setSignedCookie(options.name ?? DEFAULT_USER_COOKIE, JSON.stringify(value), {
    expiresDays: options.expiresDays ?? 30,
    httpOnly: true,
    sameSite: "Lax",
    secure: handler.request.protocol === "https",
  });
}

/**
 * The user of a valid signed user cookie, or null (missing, forged, expired or not ours). Call
 * it from `getCurrentUser()`, and `authenticated` methods see the user:
 *
 * ```ts
 * class BaseHandler extends RequestHandler {
 *   getCurrentUser() { return getUserCookie(this); }
 * }
 * ```
 */
export function getUserCookie(
  handler: RequestHandler,
  options: GetUserCookieOptions = {},
): SessionUser | null {
  const raw = handler.getSignedCookie(options.name ?? DEFAULT_USER_COOKIE, undefined, {
    maxAgeDays: options.maxAgeDays ?? 31,
  });
  if (raw === null) return null;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return null;
  }
  if (v === null || typeof v !== "object") return null;
  const o = v as Record<string, unknown>;
  if (typeof o.provider !== "string" || typeof o.id !== "string") return null;
  return {
    provider: o.provider,
    id: o.id,
    name: typeof o.name === "string" ? o.name : null,
    email: typeof o.email === "string" ? o.email : null,
  };
}

/** Log out: delete the signed user cookie. */
export function clearUserCookie(handler: RequestHandler, name = DEFAULT_USER_COOKIE): void {
  handler.clearCookie(name);
}
