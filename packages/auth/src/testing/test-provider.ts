// startTestProvider: a real OpenID Connect provider (npm oidc-provider) on a loopback port, for login tests.

import { generateKeyPairSync, type JsonWebKey, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ClientAuthMethod } from "../oauth2-flow.js";

/** A client registered with the test provider. */
export interface TestProviderClient {
  /** The client id. */
  clientId: string;
  /** The client secret; without one the client is public (`none` authentication). */
  clientSecret?: string;
  /** Redirect URIs the provider accepts for it (exact match). */
  redirectUris: string[];
  /** Token endpoint authentication. Default `client_secret_basic` (or `none` without a secret). */
  clientAuthMethod?: ClientAuthMethod;
  /**
   * `"native"` lets an `http://127.0.0.1/…` (or `localhost`, `[::1]`) redirect URI match any
   * port (RFC 8252 §7.3): register an app's callback before the app has its port. Default "web".
   */
  applicationType?: "web" | "native";
  /** Seconds an authorization code of this client stays valid (at least 1). Default 60. */
  codeTtlSeconds?: number;
}

/** Options of {@link startTestProvider}. */
export interface TestProviderOptions {
  /** The registered clients. */
  clients: TestProviderClient[];
  /** Loopback address to listen on: `127.0.0.1` (default), `::1` or `localhost`. */
  host?: string;
  /**
   * Private JWKs the ID tokens are signed with (give two providers the same to make tokens
   * that only their `iss` tells apart). Default: one new RSA key (RS256).
   */
  signingKeys?: JsonWebKey[];
  /**
   * The claims of the account a login name logs into. Default: `sub` = the name,
   * `email` = `<name>@example.test` (verified), `name` = `User <name>`, `preferred_username`.
   */
  claims?: (accountId: string) => Record<string, unknown>;
}

/** A running test provider. */
export interface TestProvider {
  /** Its issuer identifier (`http://127.0.0.1:<port>`), also its base URL. */
  readonly issuer: string;
  /** The port it listens on. */
  readonly port: number;
  /** The private JWKs it signs with. */
  readonly signingKeys: JsonWebKey[];
  /**
   * The oidc-provider `Provider` instance (for its events, e.g.
   * `provider.on("authorization_code.saved", (code) => …)`).
   */
  readonly provider: {
    on(event: string, listener: (...args: unknown[]) => void): unknown;
    off(event: string, listener: (...args: unknown[]) => void): unknown;
  };
  /** Stop listening and close its connections. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** A new RS256 signing key as a private JWK. */
export function newSigningKey(): JsonWebKey {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { ...privateKey.export({ format: "jwk" }), kid: randomUUID(), alg: "RS256", use: "sig" };
}

function defaultClaims(accountId: string): Record<string, unknown> {
  return {
    sub: accountId,
    email: `${accountId}@example.test`,
    email_verified: true,
    name: `User ${accountId}`,
    preferred_username: accountId,
  };
}

/**
 * Start a certified OpenID Connect provider — npm `oidc-provider` (an optional peer dependency:
 * install it next to @t/auth) — on a loopback address and a free port, with the given clients,
 * PKCE required and its development login and consent pages, which accept any login name and
 * password. Drive a login with {@link TestBrowser}. For tests and local development only: its
 * interactions are not for production, and it keeps everything in memory.
 */
export async function startTestProvider(options: TestProviderOptions): Promise<TestProvider> {
  const host = options.host ?? "127.0.0.1";
  if (!LOOPBACK.has(host)) {
    throw new TypeError(
      `startTestProvider listens on loopback only (127.0.0.1, ::1, localhost), got ${host}`,
    );
  }
  if (!Array.isArray(options.clients) || options.clients.length === 0) {
    throw new TypeError("startTestProvider needs at least one client");
  }
  const specifier = "oidc-provider";
  let Provider: new (
    issuer: string,
    config: Record<string, unknown>,
  ) => {
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): unknown;
    off(event: string, listener: (...args: unknown[]) => void): unknown;
  };
  try {
    Provider = ((await import(specifier)) as { default: typeof Provider }).default;
  } catch (err) {
    throw new Error(
      "startTestProvider needs the oidc-provider package: npm install -D oidc-provider",
      {
        cause: err,
      },
    );
  }

  let handle: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server = createServer((req, res) => {
    if (handle === null) {
      res.writeHead(503).end();
      return;
    }
    handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;

  const signingKeys = options.signingKeys ?? [newSigningKey()];
  const codeTtl = new Map<string, number>();
  for (const c of options.clients) codeTtl.set(c.clientId, c.codeTtlSeconds ?? 60);
  const claimsOf = options.claims ?? defaultClaims;
  const provider = new Provider(issuer, {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      ...(c.clientSecret === undefined ? {} : { client_secret: c.clientSecret }),
      redirect_uris: c.redirectUris,
      application_type: c.applicationType ?? "web",
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method:
        c.clientAuthMethod ?? (c.clientSecret === undefined ? "none" : "client_secret_basic"),
    })),
    jwks: { keys: signingKeys },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "preferred_username", "picture"],
    },
    findAccount: (_ctx: unknown, id: string) => ({
      accountId: id,
      claims: () => ({ ...claimsOf(id), sub: id }),
    }),
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    ttl: {
      AuthorizationCode: (_ctx: unknown, _code: unknown, client: { clientId: string }) =>
        codeTtl.get(client.clientId) ?? 60,
      AccessToken: 3600,
      IdToken: 3600,
      Interaction: 3600,
      Session: 3600,
      Grant: 3600,
    },
  });
  handle = provider.callback();

  return {
    issuer,
    port,
    signingKeys,
    provider,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
