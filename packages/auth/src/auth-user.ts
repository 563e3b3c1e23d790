// The user a login yields (AuthUser), the tokens it came with, and the result of a completed login.

/**
 * Who logged in, in one shape for every provider. `id` is the provider's stable identifier
 * (OpenID Connect `sub`, GitHub's numeric `id` as a string): key your accounts by
 * `provider` + `id`, never by `email` or `username`, which users can change.
 */
export interface AuthUser {
  /** The client's `name` ("github", "google", "oidc", or yours). */
  provider: string;
  /** The provider's stable user id. */
  id: string;
  /** Display name, or null. */
  name: string | null;
  /** E-mail address, or null. */
  email: string | null;
  /** Whether the provider verified `email` (null when it does not say). */
  emailVerified: boolean | null;
  /** Login name (GitHub `login`, OpenID Connect `preferred_username`), or null. */
  username: string | null;
  /** URL of an avatar picture, or null. */
  picture: string | null;
  /** Everything the provider said: the user-info answer merged over the ID token's claims. */
  profile: Record<string, unknown>;
}

/** The token response of a completed login. */
export interface AuthTokens {
  /** The access token, for `oauth2Request` calls to the provider's APIs. */
  accessToken: string;
  /** Its type, lower-cased ("bearer"). */
  tokenType: string;
  /** Seconds until the access token expires, or null when the provider does not say. */
  expiresInSeconds: number | null;
  /** A refresh token, or null. */
  refreshToken: string | null;
  /** The ID token (a JWS, already validated), or null for plain OAuth 2.0. */
  idToken: string | null;
  /** The scope granted, when the provider says (it may be less than asked), or null. */
  scope: string | null;
}

/** What `getAuthenticatedUser` resolves with. */
export interface AuthResult {
  /** Who logged in. */
  user: AuthUser;
  /** The tokens the provider issued. */
  tokens: AuthTokens;
  /** The validated ID token claims (OpenID Connect), or null. */
  idTokenClaims: Record<string, unknown> | null;
  /** The local path given as `next` when the login started, or null. */
  next: string | null;
}

/** A string field of a profile object, or null. */
export function stringField(profile: Record<string, unknown>, key: string): string | null {
  const v = profile[key];
  return typeof v === "string" && v !== "" ? v : null;
}

/** A boolean field of a profile object (also "true"/"false" strings, as some providers send), or null. */
export function booleanField(profile: Record<string, unknown>, key: string): boolean | null {
  const v = profile[key];
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return null;
}

/**
 * An {@link AuthUser} from OpenID Connect standard claims (or a user-info answer that uses
 * their names): `id` from `sub` (or `id`), `name`, `email`, `email_verified`,
 * `preferred_username` (or `login`), `picture`. Null when there is no id.
 */
export function userFromClaims(
  provider: string,
  profile: Record<string, unknown>,
): AuthUser | null {
  const rawId = profile.sub ?? profile.id;
  const id = typeof rawId === "number" && Number.isFinite(rawId) ? String(rawId) : rawId;
  if (typeof id !== "string" || id === "") return null;
  return {
    provider,
    id,
    name: stringField(profile, "name"),
    email: stringField(profile, "email"),
    emailVerified: booleanField(profile, "email_verified"),
    username: stringField(profile, "preferred_username") ?? stringField(profile, "login"),
    picture: stringField(profile, "picture"),
    profile,
  };
}
