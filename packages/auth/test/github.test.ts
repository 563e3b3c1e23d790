// GitHub login: the authorize URL, and the whole flow against a local @t/web server playing GitHub's OAuth and REST endpoints.

import { createHash } from "node:crypto";
import { AsyncHTTPClient } from "@t/httpclient";
import { expectLog, startApp, type TestApp } from "@t/testing";
import { Application, type HandlerClass, RequestHandler } from "@t/web";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AuthResult, GitHubOAuth2Client } from "../src/index.js";
import { TestBrowser } from "../src/testing/index.js";
import { loginRoute, startTestApp } from "./helpers.js";

const CLIENT_ID = "Iv1.test";
const CLIENT_SECRET = "gh-secret";
const TOKEN = "gho_testtoken";

/** What the fake GitHub saw. */
const seen = {
  authorize: [] as URLSearchParams[],
  token: [] as { body: URLSearchParams; accept: string }[],
  api: [] as { path: string; authorization: string; userAgent: string; version: string }[],
};
/** The code_challenge of each code the fake issued. */
const challenges = new Map<string, string>();
let nextCode = 0;

class Authorize extends RequestHandler {
  override get(): void {
    const q = new URLSearchParams(this.request.query);
    seen.authorize.push(q);
    const code = `code${++nextCode}`;
    challenges.set(code, q.get("code_challenge") ?? "");
    const back = new URL(q.get("redirect_uri") as string);
    back.searchParams.set("code", code);
    back.searchParams.set("state", q.get("state") as string);
    this.redirect(back.href);
  }
}

class AccessToken extends RequestHandler {
  override post(): void {
    const body = new URLSearchParams(this.request.body.toString());
    seen.token.push({ body, accept: this.request.headers.get("Accept") ?? "" });
    const code = body.get("code") ?? "";
    const challenge = challenges.get(code);
    const verifier = body.get("code_verifier") ?? "";
    const ok =
      challenge !== undefined &&
      createHash("sha256").update(verifier).digest("base64url") === challenge &&
      body.get("client_id") === CLIENT_ID &&
      body.get("client_secret") === CLIENT_SECRET;
    challenges.delete(code);
    // GitHub answers a bad code with 200 and an error field.
    this.write(
      ok
        ? { access_token: TOKEN, token_type: "bearer", scope: "read:user,user:email" }
        : {
            error: "bad_verification_code",
            error_description: "The code passed is incorrect or expired.",
          },
    );
  }
}

class Api extends RequestHandler {
  override get(path: string): void {
    const h = this.request.headers;
    seen.api.push({
      path,
      authorization: h.get("Authorization") ?? "",
      userAgent: h.get("User-Agent") ?? "",
      version: h.get("X-GitHub-Api-Version") ?? "",
    });
    if (h.get("Authorization") !== `Bearer ${TOKEN}`) {
      this.setStatus(401);
      this.write({ message: "Bad credentials" });
      return;
    }
    if (path === "user") {
      this.write({
        id: 583231,
        login: "octocat",
        name: "The Octocat",
        email: null,
        avatar_url: "https://avatars.example.test/u/583231",
      });
    } else {
      this.setHeader("Content-Type", "application/json");
      this.finish(
        JSON.stringify([
          { email: "old@example.test", primary: false, verified: true },
          { email: "octocat@example.test", primary: true, verified: true },
        ]),
      );
    }
  }
}

let app: TestApp;
let github: TestApp;
let http: AsyncHTTPClient;
let client: GitHubOAuth2Client;
const results: AuthResult[] = [];
const browsers: TestBrowser[] = [];

function newBrowser(): TestBrowser {
  const b = new TestBrowser({ clientOptions: { loop: app.loop } });
  browsers.push(b);
  return b;
}

beforeAll(async () => {
  const real = new GitHubOAuth2Client({ redirectUri: "/auth/real-github" });
  app = await startTestApp(
    [
      loginRoute("/auth/github", () => client, results),
      loginRoute("/auth/real-github", () => real, results),
    ],
    { githubOauth: { key: "from-settings", secret: "s" } },
  );
  github = await startApp(
    new Application(
      [
        ["/login/oauth/authorize", Authorize as unknown as HandlerClass],
        ["/login/oauth/access_token", AccessToken as unknown as HandlerClass],
        ["/api/v3/(user|user/emails)", Api as unknown as HandlerClass],
      ],
      { logFunction: () => {} },
    ),
    { loop: app.loop },
  );
  http = new AsyncHTTPClient({ loop: app.loop });
  client = new GitHubOAuth2Client({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUri: app.url("/auth/github"),
    webUrl: github.url(""),
    apiUrl: github.url("/api/v3"),
    allowInsecureRequests: true,
    httpClient: http,
  });
});

afterEach(() => {
  for (const b of browsers.splice(0)) b.close();
  results.length = 0;
  seen.authorize.length = 0;
  seen.token.length = 0;
  seen.api.length = 0;
});

afterAll(async () => {
  client?.close();
  http?.close();
  await github?.close();
  await app?.close();
});

describe("GitHubOAuth2Client", () => {
  it("sends the browser to github.com with client_id, redirect_uri, scope, state and an S256 challenge (credentials from the githubOauth setting)", async () => {
    const browser = newBrowser();
    const res = await browser.request(app.url("/auth/real-github?next=/me"));
    expect(res.code).toBe(302);
    const location = new URL(res.headers.get("Location") as string);
    expect(`${location.origin}${location.pathname}`).toBe(
      "https://github.com/login/oauth/authorize",
    );
    const q = location.searchParams;
    expect(q.get("client_id")).toBe("from-settings");
    expect(q.get("redirect_uri")).toBe(app.url("/auth/real-github"));
    expect(q.get("response_type")).toBe("code");
    expect(q.get("scope")).toBe("read:user user:email");
    expect(q.get("code_challenge_method")).toBe("S256");
    expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get("state")).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(q.has("nonce")).toBe(false);
    const setCookie = res.headers
      .getList("Set-Cookie")
      .find((c) => c.startsWith("_t_auth_github="));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\/auth\/real-github/i);
    expect(setCookie).toMatch(/Max-Age=600/i);
  });

  it("logs in through GitHub's endpoints: verifier matches the challenge, secret in the body, user and primary verified e-mail mapped", async () => {
    const browser = newBrowser();
    const end = await browser.navigate(app.url("/auth/github?next=/me"));
    expect(end.url.href).toBe(app.url("/me"));
    expect(end.response?.json()).toEqual({
      user: {
        provider: "github",
        id: "583231",
        name: "The Octocat",
        email: "octocat@example.test",
      },
    });
    expect(seen.token).toHaveLength(1);
    const token = seen.token[0] as { body: URLSearchParams; accept: string };
    expect(token.accept).toMatch(/application\/json/);
    expect(token.body.get("grant_type")).toBe("authorization_code");
    expect(token.body.get("redirect_uri")).toBe(app.url("/auth/github"));
    expect(token.body.get("client_secret")).toBe(CLIENT_SECRET);
    expect(seen.api.map((a) => a.path)).toEqual(["user", "user/emails"]);
    for (const call of seen.api) {
      expect(call.authorization).toBe(`Bearer ${TOKEN}`);
      expect(call.userAgent).toBe("@t/auth");
      expect(call.version).toBe("2022-11-28");
    }
    const result = results[0] as AuthResult;
    expect(result.user).toMatchObject({
      username: "octocat",
      emailVerified: true,
      picture: "https://avatars.example.test/u/583231",
    });
    expect(result.tokens).toMatchObject({ accessToken: TOKEN, idToken: null });
    expect(result.idTokenClaims).toBeNull();
  });

  it("answers 403 when GitHub refuses the code (its 200 + error answer)", async () => {
    const browser = newBrowser();
    const end = await browser.navigate(app.url("/auth/github"), {
      stopAt: (u) => u.pathname === "/auth/github" && u.searchParams.has("code"),
    });
    const forged = new URL(end.url);
    forged.searchParams.set("code", "not-a-code");
    const res = await expectLog(app.loop, /403 .*T_ERR_AUTH_TOKEN: .*bad_verification_code/, () =>
      browser.request(forged),
    );
    expect(res.code).toBe(403);
    expect(browser.cookie(app.url("/me"), "user")).toBeUndefined();
  });
});
