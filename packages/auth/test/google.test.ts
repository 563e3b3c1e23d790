// Google login: the authorize URL from Google's built-in metadata, and the flow and user mapping against a local provider standing in for Google.

import { AsyncHTTPClient } from "@t/httpclient";
import { expectLog, type TestApp } from "@t/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AuthResult, GOOGLE_METADATA, GoogleOAuth2Client } from "../src/index.js";
import { startTestProvider, TestBrowser, type TestProvider } from "../src/testing/index.js";
import { loginRoute, startTestApp } from "./helpers.js";

let app: TestApp;
let provider: TestProvider;
let http: AsyncHTTPClient;
let standIn: GoogleOAuth2Client;
const results: AuthResult[] = [];
const browsers: TestBrowser[] = [];
const google = new GoogleOAuth2Client({
  clientId: "123.apps.googleusercontent.com",
  clientSecret: "g-secret",
  redirectUri: "/auth/google",
  extraAuthorizeParams: { access_type: "offline" },
});
const fromSettings = new GoogleOAuth2Client({ redirectUri: "/auth/google-settings" });

function newBrowser(): TestBrowser {
  const b = new TestBrowser({ clientOptions: { loop: app.loop } });
  browsers.push(b);
  return b;
}

beforeAll(async () => {
  app = await startTestApp(
    [
      loginRoute("/auth/google", () => google, results, { extraParams: { prompt: "consent" } }),
      loginRoute("/auth/google-settings", () => fromSettings, results),
      loginRoute("/auth/stand-in", () => standIn, results),
    ],
    { googleOauth: { key: "key-from-settings.apps.googleusercontent.com", secret: "s" } },
  );
  provider = await startTestProvider({
    clients: [
      {
        clientId: "google-app",
        clientSecret: "stand-in-secret",
        clientAuthMethod: "client_secret_post",
        redirectUris: [app.url("/auth/stand-in")],
      },
    ],
    claims: (id) => ({
      email: `${id}@example.test`,
      email_verified: true,
      name: `${id[0]?.toUpperCase()}${id.slice(1)} Example`,
      picture: `https://lh3.example.test/${id}.png`,
    }),
  });
  http = new AsyncHTTPClient({ loop: app.loop });
  standIn = new GoogleOAuth2Client({
    issuer: provider.issuer,
    clientId: "google-app",
    clientSecret: "stand-in-secret",
    redirectUri: "/auth/stand-in",
    allowInsecureRequests: true,
    httpClient: http,
  });
});

afterEach(() => {
  for (const b of browsers.splice(0)) b.close();
  results.length = 0;
});

afterAll(async () => {
  for (const c of [google, fromSettings, standIn]) c?.close();
  http?.close();
  await provider?.close();
  await app?.close();
});

describe("GoogleOAuth2Client", () => {
  it("sends the browser to Google's authorization endpoint with OpenID Connect, PKCE and Google's own parameters (no discovery request)", async () => {
    const res = await newBrowser().request(app.url("/auth/google?next=/me"));
    expect(res.code).toBe(302);
    const location = new URL(res.headers.get("Location") as string);
    expect(`${location.origin}${location.pathname}`).toBe(GOOGLE_METADATA.authorization_endpoint);
    const q = location.searchParams;
    expect(q.get("client_id")).toBe("123.apps.googleusercontent.com");
    expect(q.get("redirect_uri")).toBe(app.url("/auth/google"));
    expect(q.get("response_type")).toBe("code");
    expect(q.get("scope")).toBe("openid email profile");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("nonce")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(q.get("state")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(q.get("access_type")).toBe("offline");
    expect(q.get("prompt")).toBe("consent");
  });

  it("reads its credentials from the googleOauth setting (Tornado's google_oauth)", async () => {
    const res = await newBrowser().request(app.url("/auth/google-settings"));
    expect(res.code).toBe(302);
    const q = new URL(res.headers.get("Location") as string).searchParams;
    expect(q.get("client_id")).toBe("key-from-settings.apps.googleusercontent.com");
  });

  it("logs in against a stand-in provider: client_secret_post, ID token checked, Google's claims mapped", async () => {
    const browser = newBrowser();
    const end = await browser.navigate(app.url("/auth/stand-in?next=/me"), {
      submitFormsAt: provider.issuer,
      login: "carol",
    });
    expect(end.url.href).toBe(app.url("/me"));
    expect(end.response?.json()).toEqual({
      user: { provider: "google", id: "carol", name: "Carol Example", email: "carol@example.test" },
    });
    const result = results[0] as AuthResult;
    expect(result.user).toEqual({
      provider: "google",
      id: "carol",
      name: "Carol Example",
      email: "carol@example.test",
      emailVerified: true,
      username: null,
      picture: "https://lh3.example.test/carol.png",
      profile: expect.objectContaining({ sub: "carol", aud: "google-app", iss: provider.issuer }),
    });
  });

  it("a missing client secret is an error of the app (500), not of the browser", async () => {
    const bare = new GoogleOAuth2Client({ redirectUri: "/x" });
    expect(bare.name).toBe("google");
    bare.close();
    const noSettings = await startTestApp(
      [loginRoute("/auth/google-settings", () => fromSettings, results)],
      {},
      app.loop,
    );
    try {
      const res = await expectLog(app.loop, /googleOauth/, () =>
        new TestBrowser({ clientOptions: { loop: app.loop } }).request(
          noSettings.url("/auth/google-settings"),
        ),
      );
      expect(res.code).toBe(500);
    } finally {
      await noSettings.close();
    }
  });
});
