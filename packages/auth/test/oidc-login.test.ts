// The OpenID Connect login against a real provider (oidc-provider on 127.0.0.1), driven like a browser over @t/httpclient.

import { AsyncHTTPClient } from "@t/httpclient";
import { expectLog, type TestApp, waitFor } from "@t/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AuthResult, OpenIDConnectClient } from "../src/index.js";
import { startTestProvider, TestBrowser, type TestProvider } from "../src/testing/index.js";
import { loginRoute, obtainIdToken, startTestApp, TokenProxy } from "./helpers.js";

const SECRET = "app-secret";
const OTHER_SECRET = "other-secret";

let app: TestApp;
let provider: TestProvider;
let proxy: TokenProxy;
let http: AsyncHTTPClient;
const clients = new Map<string, OpenIDConnectClient>();
const results: AuthResult[] = [];
const browsers: TestBrowser[] = [];

/** Why the provider refused grants (its `grant.error` events), while `fn` runs. */
async function providerRefusals<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; reasons: string[] }> {
  const reasons: string[] = [];
  const listener = (_ctx: unknown, err: unknown) => {
    const e = err as { error_detail?: string; cause?: { message?: string } };
    reasons.push(`${e.error_detail ?? ""} ${e.cause?.message ?? ""}`.trim());
  };
  provider.provider.on("grant.error", listener);
  try {
    return { result: await fn(), reasons };
  } finally {
    provider.provider.off("grant.error", listener);
  }
}

/** A client of the test provider for route `path`, made once the provider runs. */
function client(path: string): OpenIDConnectClient {
  const c = clients.get(path);
  if (c === undefined) throw new Error(`no client for ${path}`);
  return c;
}

function newBrowser(): TestBrowser {
  const b = new TestBrowser({ clientOptions: { loop: app.loop } });
  browsers.push(b);
  return b;
}

/** The callback URL the provider sends the browser to, stopping before the app sees it. */
async function callbackFor(browser: TestBrowser, path: string, login = "alice"): Promise<URL> {
  const end = await browser.navigate(app.url(path), {
    submitFormsAt: provider.issuer,
    login,
    stopAt: (u) => u.origin === new URL(app.url()).origin && u.searchParams.has("code"),
  });
  expect(end.response).toBeNull();
  return end.url;
}

beforeAll(async () => {
  app = await startTestApp([
    loginRoute("/auth/oidc", () => client("/auth/oidc"), results),
    loginRoute("/auth/short", () => client("/auth/short"), results),
    loginRoute("/auth/proxied", () => client("/auth/proxied"), results),
  ]);
  provider = await startTestProvider({
    clients: [
      {
        clientId: "app",
        clientSecret: SECRET,
        redirectUris: [app.url("/auth/oidc"), app.url("/auth/proxied")],
      },
      {
        clientId: "short",
        clientSecret: SECRET,
        redirectUris: [app.url("/auth/short")],
        codeTtlSeconds: 1,
      },
      { clientId: "other", clientSecret: OTHER_SECRET, redirectUris: [app.url("/other-cb")] },
    ],
  });
  http = new AsyncHTTPClient({ loop: app.loop });
  proxy = new TokenProxy(`${provider.issuer}/token`, app.loop);
  const proxyUrl = await proxy.start();
  const common = {
    issuer: provider.issuer,
    clientSecret: SECRET,
    allowInsecureRequests: true,
    httpClient: http,
  };
  clients.set(
    "/auth/oidc",
    new OpenIDConnectClient({ ...common, clientId: "app", redirectUri: "/auth/oidc" }),
  );
  clients.set(
    "/auth/short",
    new OpenIDConnectClient({ ...common, clientId: "short", redirectUri: "/auth/short" }),
  );
  clients.set(
    "/auth/proxied",
    new OpenIDConnectClient({
      ...common,
      clientId: "app",
      redirectUri: app.url("/auth/proxied"),
      metadata: { token_endpoint: proxyUrl },
    }),
  );
});

afterEach(() => {
  for (const b of browsers.splice(0)) b.close();
  results.length = 0;
  proxy.swap = null;
});

afterAll(async () => {
  for (const c of clients.values()) c.close();
  http?.close();
  await proxy?.close();
  await provider?.close();
  await app?.close();
});

describe("OpenID Connect login against oidc-provider", () => {
  it("logs in: state and PKCE sent, ID token validated, user info fetched, signed cookie set, an authenticated page answers", async () => {
    const browser = newBrowser();
    const anonymous = await browser.request(app.url("/me"));
    expect(anonymous.code).toBe(302);
    expect(anonymous.headers.get("Location")).toBe("/auth/oidc?next=%2Fme");

    const end = await browser.navigate(app.url("/auth/oidc?next=/me"), {
      submitFormsAt: provider.issuer,
      login: "alice",
    });
    expect(end.url.href).toBe(app.url("/me"));
    expect(end.response?.code).toBe(200);
    expect(end.response?.json()).toEqual({
      user: { provider: "oidc", id: "alice", name: "User alice", email: "alice@example.test" },
    });

    const authorize = end.visited.find(
      (u) => u.origin === provider.issuer && u.pathname === "/auth",
    );
    expect(authorize).toBeDefined();
    const q = (authorize as URL).searchParams;
    expect(q.get("client_id")).toBe("app");
    expect(q.get("redirect_uri")).toBe(app.url("/auth/oidc"));
    expect(q.get("response_type")).toBe("code");
    expect(q.get("scope")).toBe("openid email profile");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("state")).toMatch(/^[A-Za-z0-9_-]{20,}$/);

    expect(results).toHaveLength(1);
    const result = results[0] as AuthResult;
    expect(result.idTokenClaims).toMatchObject({
      iss: provider.issuer,
      aud: "app",
      sub: "alice",
      nonce: q.get("nonce"),
    });
    expect(result.user).toMatchObject({
      provider: "oidc",
      id: "alice",
      email: "alice@example.test",
      emailVerified: true,
      username: "alice",
    });
    expect(result.tokens.tokenType).toBe("bearer");
    expect(result.tokens.idToken?.split(".")).toHaveLength(3);
    expect(result.next).toBe("/me");
    // The state cookie was single-use: the callback deleted it.
    expect(browser.cookie(app.url("/auth/oidc"), "_t_auth_oidc")).toBeUndefined();
    expect(browser.cookie(app.url("/me"), "user")).toMatch(/^2\|/);
  });

  it("a tampered user cookie is no login", async () => {
    const browser = newBrowser();
    await browser.navigate(app.url("/auth/oidc"), { submitFormsAt: provider.issuer });
    const cookie = browser.cookie(app.url("/me"), "user") as string;
    expect((await browser.request(app.url("/me"))).code).toBe(200);
    const forged = cookie.replace(/.$/, (c) => (c === "0" ? "1" : "0"));
    browser.setCookie(app.url("/"), "user", forged);
    expect((await browser.request(app.url("/me"))).code).toBe(302);
  });

  it("refuses a callback whose state was tampered with (403), and the state is spent", async () => {
    const browser = newBrowser();
    const callback = await callbackFor(browser, "/auth/oidc");
    const state = callback.searchParams.get("state") as string;
    const forged = new URL(callback);
    forged.searchParams.set("state", `${state.slice(0, -1)}${state.endsWith("A") ? "B" : "A"}`);
    const res = await expectLog(
      app.loop,
      /403 .*T_ERR_AUTH_STATE: oidc: the callback's state does not match/,
      () => browser.request(forged),
    );
    expect(res.code).toBe(403);
    expect(browser.cookie(app.url("/me"), "user")).toBeUndefined();
    // The genuine callback no longer works either: its state cookie is gone.
    const again = await expectLog(
      app.loop,
      /403 .*T_ERR_AUTH_STATE: oidc: no login in progress/,
      () => browser.request(callback),
    );
    expect(again.code).toBe(403);
  });

  it("refuses a callback in a browser that did not start the login (no state cookie: login CSRF)", async () => {
    const victim = newBrowser();
    const callback = await callbackFor(newBrowser(), "/auth/oidc");
    const res = await expectLog(app.loop, /403 .*T_ERR_AUTH_STATE/, () => victim.request(callback));
    expect(res.code).toBe(403);
    expect(victim.cookie(app.url("/me"), "user")).toBeUndefined();
  });

  it("refuses a state cookie that was not signed by the app", async () => {
    const browser = newBrowser();
    const callback = await callbackFor(browser, "/auth/oidc");
    const cookie = browser.cookie(callback, "_t_auth_oidc") as string;
    browser.setCookie(
      callback,
      "_t_auth_oidc",
      cookie.replace(/.$/, (c) => (c === "0" ? "1" : "0")),
      "/auth/oidc",
    );
    const res = await expectLog(
      app.loop,
      /403 .*T_ERR_AUTH_STATE: oidc: no login in progress/,
      () => browser.request(callback),
    );
    expect(res.code).toBe(403);
  });

  it("refuses a reused authorization code (the provider answers invalid_grant)", async () => {
    const browser = newBrowser();
    const callback = await callbackFor(browser, "/auth/oidc");
    const stateCookie = browser.cookie(callback, "_t_auth_oidc") as string;
    const first = await browser.request(callback);
    expect(first.code).toBe(302);
    expect(browser.cookie(app.url("/me"), "user")).toBeDefined();
    // Replay the whole callback request, state cookie included, as someone who recorded it.
    const replay = newBrowser();
    replay.setCookie(callback, "_t_auth_oidc", stateCookie, "/auth/oidc");
    const { result: res, reasons } = await providerRefusals(() =>
      expectLog(app.loop, /403 .*T_ERR_AUTH_TOKEN: .*invalid_grant/, () =>
        replay.request(callback),
      ),
    );
    expect(res.code).toBe(403);
    expect(reasons).toEqual(["authorization code already consumed"]);
    expect(replay.cookie(app.url("/me"), "user")).toBeUndefined();
  });

  it("refuses an expired authorization code", async () => {
    // The code is saved with exp = now + 1 s (whole seconds, the provider's clock): note when.
    let expSeconds = 0;
    const onSaved = () => {
      expSeconds = Math.floor(Date.now() / 1000) + 1;
    };
    provider.provider.on("authorization_code.saved", onSaved);
    const browser = newBrowser();
    const callback = await callbackFor(browser, "/auth/short");
    // The provider decides by its clock: a code is expired once exp <= now (whole seconds).
    await waitFor(() => expSeconds > 0 && Math.floor(Date.now() / 1000) > expSeconds, {
      what: "the authorization code to expire",
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    const { result: res, reasons } = await providerRefusals(() =>
      expectLog(app.loop, /403 .*T_ERR_AUTH_TOKEN: .*invalid_grant/, () =>
        browser.request(callback),
      ),
    );
    expect(res.code).toBe(403);
    expect(reasons).toEqual(["authorization code is expired"]);
    provider.provider.off("authorization_code.saved", onSaved);
  });

  it("refuses a code redeemed with another login's PKCE verifier (code injection)", async () => {
    const victim = newBrowser();
    const stolen = await callbackFor(victim, "/auth/oidc");
    // The attacker starts a login of their own: their browser holds their state and verifier.
    const attacker = newBrowser();
    const started = await attacker.navigate(app.url("/auth/oidc"), {
      stopAt: (u) => u.origin === provider.issuer,
    });
    const attackerState = started.url.searchParams.get("state") as string;
    const injected = new URL(stolen);
    injected.searchParams.set("state", attackerState);
    const { result: res, reasons } = await providerRefusals(() =>
      expectLog(app.loop, /403 .*T_ERR_AUTH_TOKEN: .*invalid_grant/, () =>
        attacker.request(injected),
      ),
    );
    expect(res.code).toBe(403);
    expect(reasons).toHaveLength(1);
    expect(reasons[0]).toMatch(
      /PKCE verification failed|code_verifier does not match code_challenge/,
    );
    expect(attacker.cookie(app.url("/me"), "user")).toBeUndefined();
  });

  it("answers 403 when the user refuses at the provider (access_denied)", async () => {
    const browser = newBrowser();
    const page = await browser.navigate(app.url("/auth/oidc"));
    expect(page.response?.code).toBe(200);
    expect(page.url.pathname).toMatch(/^\/interaction\//);
    const res = await expectLog(app.loop, /403 .*T_ERR_AUTH_DENIED: .*access_denied/, () =>
      browser.navigate(new URL(`${page.url.pathname}/abort`, page.url)),
    );
    expect(res.response?.code).toBe(403);
  });
});

describe("ID token validation", () => {
  it("refuses an ID token issued to another client (wrong aud), though signed by the provider", async () => {
    const browser = newBrowser();
    const started = await browser.navigate(app.url("/auth/proxied"), {
      stopAt: (u) => u.origin === provider.issuer,
    });
    const nonce = started.url.searchParams.get("nonce") as string;
    const otherToken = await obtainIdToken(
      browser,
      provider,
      { clientId: "other", clientSecret: OTHER_SECRET, redirectUri: app.url("/other-cb") },
      nonce,
      app.loop,
    );
    const callback = (
      await browser.navigate(started.url, {
        submitFormsAt: provider.issuer,
        stopAt: (u) => u.pathname === "/auth/proxied" && u.searchParams.has("code"),
      })
    ).url;
    proxy.swap = () => otherToken;
    const res = await expectLog(app.loop, /403 .*T_ERR_AUTH_ID_TOKEN: .*"aud"/, () =>
      browser.request(callback),
    );
    expect(res.code).toBe(403);
    expect(browser.cookie(app.url("/me"), "user")).toBeUndefined();
  });

  it("refuses an ID token whose signature does not verify with the provider's JWKS", async () => {
    const browser = newBrowser();
    const callback = await callbackFor(browser, "/auth/proxied");
    proxy.swap = (token) => {
      const [h, p, s] = token.split(".") as [string, string, string];
      const sig = Buffer.from(s, "base64url");
      sig[10] = (sig[10] as number) ^ 0xff;
      return `${h}.${p}.${sig.toString("base64url")}`;
    };
    const res = await expectLog(app.loop, /403 .*T_ERR_AUTH_ID_TOKEN: .*signature/, () =>
      browser.request(callback),
    );
    expect(res.code).toBe(403);
  });

  it("refuses a genuine ID token of an earlier login (wrong nonce)", async () => {
    const browser = newBrowser();
    await browser.navigate(app.url("/auth/oidc"), { submitFormsAt: provider.issuer });
    const earlier = (results[0] as AuthResult).tokens.idToken as string;
    const callback = await callbackFor(browser, "/auth/proxied");
    proxy.swap = () => earlier;
    const res = await expectLog(app.loop, /403 .*T_ERR_AUTH_ID_TOKEN: .*nonce/, () =>
      browser.request(callback),
    );
    expect(res.code).toBe(403);
  });

  it("refuses an ID token from another issuer signed with the same keys (wrong iss)", async () => {
    const twin = await startTestProvider({
      signingKeys: provider.signingKeys,
      clients: [{ clientId: "app", clientSecret: SECRET, redirectUris: [app.url("/twin-cb")] }],
    });
    try {
      const browser = newBrowser();
      const started = await browser.navigate(app.url("/auth/proxied"), {
        stopAt: (u) => u.origin === provider.issuer,
      });
      const nonce = started.url.searchParams.get("nonce") as string;
      const twinToken = await obtainIdToken(
        newBrowser(),
        twin,
        { clientId: "app", clientSecret: SECRET, redirectUri: app.url("/twin-cb") },
        nonce,
        app.loop,
      );
      const callback = (
        await browser.navigate(started.url, {
          submitFormsAt: provider.issuer,
          stopAt: (u) => u.pathname === "/auth/proxied" && u.searchParams.has("code"),
        })
      ).url;
      proxy.swap = () => twinToken;
      const res = await expectLog(app.loop, /403 .*T_ERR_AUTH_ID_TOKEN: .*"iss"/, () =>
        browser.request(callback),
      );
      expect(res.code).toBe(403);
    } finally {
      await twin.close();
    }
  });
});
