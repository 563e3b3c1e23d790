// Test fixtures: a real OpenID provider, an @t/web app logging in with it, a token-endpoint proxy that swaps ID tokens.

import { createHash, randomBytes } from "node:crypto";
import { AsyncHTTPClient } from "@t/httpclient";
import type { IOLoop } from "@t/ioloop";
import { startApp, type TestApp } from "@t/testing";
import {
  Application,
  authenticated,
  type HandlerClass,
  RequestHandler,
  type RouteTuple,
} from "@t/web";
import {
  type AuthResult,
  getUserCookie,
  type OAuth2Flow,
  type OAuth2LoginArgs,
  OAuth2LoginHandler,
} from "../src/index.js";
import { startTestProvider, type TestBrowser, type TestProvider } from "../src/testing/index.js";

/** The cookie secret of every test app. */
export const COOKIE_SECRET = "auth-test-secret";

/** A base handler whose current user comes from the signed user cookie. */
export class BaseHandler extends RequestHandler {
  override getCurrentUser(): unknown {
    return getUserCookie(this);
  }
}

/** GET /me — the logged-in user as JSON; anonymous users are sent to the login URL. */
export class MeHandler extends BaseHandler {
  override get(): void {
    this.write({ user: this.currentUser });
  }
}
MeHandler.prototype.get = authenticated(MeHandler.prototype.get);

/**
 * A login route whose client is looked up when a request arrives (the provider, which must know
 * the app's port for its redirect URIs, starts after the app), and which records each result.
 */
export function loginRoute(
  path: string,
  getClient: () => OAuth2Flow,
  results: AuthResult[],
  args: Omit<OAuth2LoginArgs, "client"> = {},
): RouteTuple {
  class Login extends OAuth2LoginHandler {
    override initialize(): void {
      super.initialize({ ...args, client: getClient() });
    }
    protected override async onAuthenticated(result: AuthResult): Promise<void> {
      results.push(result);
      await super.onAuthenticated(result);
    }
  }
  return [path, Login as unknown as HandlerClass];
}

/** An @t/web app (its own loop) with the given routes plus /me. */
export async function startTestApp(
  routes: RouteTuple[],
  settings: Record<string, unknown> = {},
  loop?: IOLoop,
): Promise<TestApp> {
  const app = new Application([...routes, ["/me", MeHandler as unknown as HandlerClass]], {
    cookieSecret: COOKIE_SECRET,
    loginUrl: "/auth/oidc",
    logFunction: () => {},
    ...settings,
  });
  return startApp(app, loop === undefined ? {} : { loop });
}

/** A PKCE verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

/**
 * Log `login` in at `provider` as client `clientId` with our own `nonce`, outside any app (the
 * browser stops at the redirect URI), and exchange the code: the ID token such a login yields.
 */
export async function obtainIdToken(
  browser: TestBrowser,
  provider: TestProvider,
  client: { clientId: string; clientSecret: string; redirectUri: string },
  nonce: string,
  loop: IOLoop,
  login = "alice",
): Promise<string> {
  const { verifier, challenge } = pkcePair();
  const authorize = new URL(`${provider.issuer}/auth`);
  authorize.search = new URLSearchParams({
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    response_type: "code",
    scope: "openid email profile",
    state: "s",
    nonce,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  const end = await browser.navigate(authorize, {
    submitFormsAt: provider.issuer,
    login,
    stopAt: (u) => u.href.startsWith(client.redirectUri),
  });
  const code = end.url.searchParams.get("code");
  if (code === null) throw new Error(`no code in ${end.url.href}`);
  const http = new AsyncHTTPClient({ loop });
  try {
    const res = await http.fetch(`${provider.issuer}/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      authUsername: client.clientId,
      authPassword: client.clientSecret,
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: client.redirectUri,
        code_verifier: verifier,
      }).toString(),
    });
    return res.json<{ id_token: string }>().id_token;
  } finally {
    http.close();
  }
}

/**
 * A token-endpoint proxy: forwards the token request to the provider unchanged and, when
 * `swap` is set, replaces the `id_token` of the answer with `swap(original)`. The ID-token
 * tests point a client's `token_endpoint` here.
 */
export class TokenProxy {
  swap: ((idToken: string) => string) | null = null;
  app: TestApp | null = null;
  private readonly http: AsyncHTTPClient;

  constructor(
    private readonly tokenEndpoint: string,
    private readonly loop: IOLoop,
  ) {
    this.http = new AsyncHTTPClient({ loop });
  }

  async start(): Promise<string> {
    const proxy = this;
    class Token extends RequestHandler {
      override async post(): Promise<void> {
        const headers: Record<string, string> = {
          "Content-Type": this.request.headers.get("Content-Type") ?? "",
        };
        const auth = this.request.headers.get("Authorization");
        if (auth !== undefined) headers.Authorization = auth;
        const res = await proxy.http.fetch(proxy.tokenEndpoint, {
          method: "POST",
          headers,
          body: this.request.body,
          raiseError: false,
        });
        let text = res.text();
        if (res.code === 200 && proxy.swap !== null) {
          const body = JSON.parse(text) as { id_token: string };
          body.id_token = proxy.swap(body.id_token);
          text = JSON.stringify(body);
        }
        this.setStatus(res.code);
        this.setHeader("Content-Type", "application/json");
        this.setHeader("Cache-Control", "no-store");
        this.finish(text);
      }
    }
    this.app = await startApp(
      new Application([["/token", Token as unknown as HandlerClass]], { logFunction: () => {} }),
      { loop: this.loop },
    );
    return this.app.url("/token");
  }

  async close(): Promise<void> {
    this.http.close();
    await this.app?.close();
  }
}

export { startTestProvider };
