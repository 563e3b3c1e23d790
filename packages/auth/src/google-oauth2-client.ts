// GoogleOAuth2Client: Tornado's GoogleOAuth2Mixin — "Log in with Google" as OpenID Connect with Google's endpoints built in.

import {
  OpenIDConnectClient,
  type OpenIDConnectClientOptions,
  type OpenIDProviderMetadata,
} from "./openid-connect-client.js";

/**
 * Google's OpenID Connect endpoints (its discovery document at
 * https://accounts.google.com/.well-known/openid-configuration), built in so that a login costs
 * no discovery request.
 */
export const GOOGLE_METADATA: Readonly<OpenIDProviderMetadata> = Object.freeze({
  issuer: "https://accounts.google.com",
  authorization_endpoint: "https://accounts.google.com/o/oauth2/v2/auth",
  token_endpoint: "https://oauth2.googleapis.com/token",
  userinfo_endpoint: "https://openidconnect.googleapis.com/v1/userinfo",
  jwks_uri: "https://www.googleapis.com/oauth2/v3/certs",
  id_token_signing_alg_values_supported: ["RS256"],
});

/** Options of `new GoogleOAuth2Client(options)`. */
export interface GoogleOAuth2ClientOptions extends Omit<OpenIDConnectClientOptions, "issuer"> {
  /**
   * The issuer; with `metadata`, for a stand-in provider in tests. Default Google's
   * (`https://accounts.google.com`).
   */
  issuer?: string;
}

/**
 * "Log in with Google" (Tornado's `GoogleOAuth2Mixin`), an {@link OpenIDConnectClient} with:
 * name "google"; Google's endpoints ({@link GOOGLE_METADATA}); scope `openid email profile`;
 * the client secret sent in the token request body (`client_secret_post`, as Google documents);
 * credentials from `clientId`/`clientSecret` or the `googleOauth` setting (`{ key, secret }`,
 * Tornado's `google_oauth`). Pass Google's own parameters per login as `extraParams`:
 * `prompt: "select_account"`, `login_hint`, `hd` (a Workspace domain — check `user.profile.hd`
 * after the login too), `access_type: "offline"` for a refresh token.
 */
export class GoogleOAuth2Client extends OpenIDConnectClient {
  constructor(options: GoogleOAuth2ClientOptions) {
    const custom = options.issuer !== undefined;
    super({
      name: "google",
      settingsKey: options.clientId === undefined ? "googleOauth" : undefined,
      clientAuthMethod: "client_secret_post",
      ...options,
      issuer: options.issuer ?? GOOGLE_METADATA.issuer,
      metadata: custom ? { ...options.metadata } : { ...GOOGLE_METADATA, ...options.metadata },
    });
  }
}
