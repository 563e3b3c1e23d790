// Provider requests: discovery checks, the size limit and timeouts of @t/httpclient, and option validation.

import { once } from "node:events";
import { AsyncHTTPClient } from "@t/httpclient";
import { startApp, type TestApp } from "@t/testing";
import { Application, type HandlerClass, RequestHandler } from "@t/web";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AuthDiscoveryError,
  AuthProviderError,
  OAuth2Client,
  OpenIDConnectClient,
} from "../src/index.js";

let server: TestApp;
let http: AsyncHTTPClient;
let failNext = 0;
let release: () => void = () => {};
const hanging = new Promise<void>((resolve) => {
  release = resolve;
});

function metadata(issuer: string): Record<string, unknown> {
  return {
    issuer,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ["code"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: ["RS256"],
  };
}

/** /<kind>/.well-known/openid-configuration: a discovery document good or bad in one way. */
class Discovery extends RequestHandler {
  override async get(kind: string): Promise<void> {
    const issuer = server.url(`/${kind}`);
    if (kind === "hang") {
      // Never answers: the client gives up first; the handler then ends without writing.
      await Promise.race([hanging, once(this.signal, "abort")]);
      this.autoFinish = false; // the client is gone: nothing to finish
      return;
    }
    if (kind === "flaky" && failNext > 0) {
      failNext--;
      this.setStatus(503);
      this.finish("try later");
      return;
    }
    const doc =
      kind === "liar"
        ? metadata(server.url("/somebody-else"))
        : kind === "big"
          ? { ...metadata(issuer), padding: "x".repeat(8192) }
          : kind === "partial"
            ? { issuer, authorization_endpoint: `${issuer}/auth` }
            : metadata(issuer);
    this.setHeader("Content-Type", "application/json");
    this.finish(JSON.stringify(doc));
  }
}

function oidc(kind: string, extra: Record<string, unknown> = {}): OpenIDConnectClient {
  return new OpenIDConnectClient({
    issuer: server.url(`/${kind}`),
    clientId: "c",
    clientSecret: "s",
    redirectUri: "/cb",
    allowInsecureRequests: true,
    httpClient: http,
    ...extra,
  });
}

beforeAll(async () => {
  server = await startApp(
    new Application(
      [
        [
          String.raw`/(\w+)/\.well-known/openid-configuration`,
          Discovery as unknown as HandlerClass,
        ],
      ],
      { logFunction: () => {} },
    ),
  );
  http = new AsyncHTTPClient({ loop: server.loop });
});

afterAll(async () => {
  release();
  http?.close();
  await server?.close();
});

describe("discovery", () => {
  it("reads the provider's endpoints from its discovery document", async () => {
    const meta = await oidc("good").discover();
    expect(meta.issuer).toBe(server.url("/good"));
    expect(meta.token_endpoint).toBe(server.url("/good/token"));
  });

  it("refuses a document whose issuer is not the configured one", async () => {
    const err = await oidc("liar")
      .discover()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthDiscoveryError);
    expect((err as Error).message).toMatch(/issuer/);
  });

  it("refuses a document without the endpoints a login needs", async () => {
    const err = await oidc("partial")
      .discover()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthDiscoveryError);
    expect((err as Error).message).toMatch(/token_endpoint/);
  });

  it("tries again after a failed discovery instead of keeping the failure", async () => {
    failNext = 1;
    const c = oidc("flaky");
    expect(await c.discover().catch((e: unknown) => e)).toBeInstanceOf(AuthDiscoveryError);
    expect((await c.discover()).issuer).toBe(server.url("/flaky"));
  });

  it("needs no discovery request when the metadata is given", async () => {
    const meta = await oidc("nowhere", { metadata: metadata(server.url("/nowhere")) }).discover();
    expect(meta.jwks_uri).toBe(server.url("/nowhere/jwks"));
  });
});

describe("limits of provider requests", () => {
  it("stops reading a response larger than maxResponseBytes", async () => {
    const err = await oidc("big", { maxResponseBytes: 4096 })
      .discover()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthProviderError);
    expect((err as Error & { cause: { code: string } }).cause.code).toBe(
      "T_ERR_HTTP_RESPONSE_TOO_LARGE",
    );
  });

  it("gives up on a provider that does not answer within requestTimeoutMs", async () => {
    const err = await oidc("hang", { requestTimeoutMs: 300 })
      .discover()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthProviderError);
    expect((err as Error & { cause: { code: string } }).cause.code).toBe("T_ERR_HTTP_TIMEOUT");
  });

  it("reports a refused connection as a provider error", async () => {
    const c = new OpenIDConnectClient({
      issuer: "http://127.0.0.1:1",
      clientId: "c",
      redirectUri: "/cb",
      allowInsecureRequests: true,
      httpClient: http,
    });
    const err = await c.discover().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthProviderError);
    expect((err as Error & { cause: { code: string } }).cause.code).toBe("T_ERR_HTTP_CONNECTION");
  });
});

describe("options", () => {
  const base = { clientId: "c", clientSecret: "s", redirectUri: "/cb" };

  it("refuses http: provider URLs unless allowInsecureRequests", () => {
    expect(() => new OpenIDConnectClient({ ...base, issuer: "http://idp.example" })).toThrow(
      /https: URL \(http: only with allowInsecureRequests\)/,
    );
    expect(
      () =>
        new OAuth2Client({
          ...base,
          name: "x",
          authorizationEndpoint: "https://idp.example/auth",
          tokenEndpoint: "http://idp.example/token",
        }),
    ).toThrow(TypeError);
  });

  it("refuses extra parameters that would replace the flow's own", () => {
    expect(
      () =>
        new OpenIDConnectClient({
          ...base,
          issuer: "https://idp.example",
          extraAuthorizeParams: { state: "fixed" },
        }),
    ).toThrow(/state is set by the flow/);
  });

  it("refuses bad names, scopes and limits", () => {
    const issuer = "https://idp.example";
    expect(() => new OpenIDConnectClient({ ...base, issuer, name: "a b" })).toThrow(TypeError);
    expect(() => new OpenIDConnectClient({ ...base, issuer, scope: ["email"] })).toThrow(/openid/);
    expect(() => new OpenIDConnectClient({ ...base, issuer, scope: ["a b"] })).toThrow(TypeError);
    expect(() => new OpenIDConnectClient({ ...base, issuer, requestTimeoutMs: 0 })).toThrow(
      RangeError,
    );
    expect(() => new OpenIDConnectClient({ ...base, issuer, stateMaxAgeMs: -1 })).toThrow(
      RangeError,
    );
    expect(() => new OpenIDConnectClient({ issuer, redirectUri: "/cb" } as never)).toThrow(
      /clientId/,
    );
  });
});
