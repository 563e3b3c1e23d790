// The Application settings @t/auth reads (Tornado's google_oauth and friends), registered with @t/web.

import { registerSettings } from "@t/web";

/** Client credentials in Tornado's settings shape: `{ key: clientId, secret: clientSecret }`. */
export interface OAuthCredentials {
  /** The client id. */
  key: string;
  /** The client secret. */
  secret: string;
}

/** The settings a client reads its credentials from when it was made without `clientId`. */
export const AUTH_SETTINGS = ["googleOauth", "githubOauth"] as const;
registerSettings(AUTH_SETTINGS);

declare module "@t/web" {
  interface ApplicationSettings {
    /** Google client credentials (Tornado's `google_oauth`), read by GoogleOAuth2Client. */
    googleOauth?: OAuthCredentials;
    /** GitHub client credentials, read by GitHubOAuth2Client. */
    githubOauth?: OAuthCredentials;
  }
}
