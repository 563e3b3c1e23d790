// "Log in with …": the demo logs in through a real OpenID provider (oidc-provider on 127.0.0.1), driven like a browser.

import {
  type TestBrowser as Browser,
  startTestProvider,
  TestBrowser,
  type TestProvider,
} from "@t/auth/testing";
import { expectLog } from "@t/testing";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type InProcessDemo, startInProcess } from "./helpers.js";

const SECRET = "demo-client-secret";

let provider: TestProvider;
let app: InProcessDemo;
const browsers: Browser[] = [];

function newBrowser(): Browser {
  const b = new TestBrowser({ clientOptions: { loop: app.loop } });
  browsers.push(b);
  return b;
}

beforeAll(async () => {
  provider = await startTestProvider({
    clients: [
      {
        clientId: "t-demo",
        clientSecret: SECRET,
        // A native client's loopback redirect URI matches any port (RFC 8252 §7.3): the demo
        // gets its port only when it starts, after the provider.
        applicationType: "native",
        redirectUris: ["http://127.0.0.1/login/oidc"],
      },
    ],
  });
  app = await startInProcess({
    oidc: {
      issuer: provider.issuer,
      clientId: "t-demo",
      clientSecret: SECRET,
      label: "Test provider",
      allowInsecureRequests: true,
    },
  });
});

afterEach(() => {
  for (const b of browsers.splice(0)) b.close();
});

afterAll(async () => {
  await app?.close();
  await provider?.close();
});

describe("Log in with an OpenID Connect provider", () => {
  it("logs in at the provider and comes back logged in: /me answers with the provider's name for the user", async () => {
    const browser = newBrowser();
    const anonymous = await browser.request(`${app.url}/me`);
    expect(anonymous.code).toBe(302);

    const end = await browser.navigate(`${app.url}/login/oidc?next=/me`, {
      submitFormsAt: provider.issuer,
      login: "alice",
    });
    expect(end.url.href).toBe(`${app.url}/me`);
    expect(end.response?.code).toBe(200);
    expect(end.response?.json()).toEqual({ user: "User alice" });
    // The way there: the demo, the provider's login and consent pages, the demo's callback.
    expect(end.visited.some((u) => u.origin === provider.issuer && u.pathname === "/auth")).toBe(
      true,
    );
    expect(
      end.visited.some((u) => u.pathname === "/login/oidc" && u.searchParams.has("code")),
    ).toBe(true);
  });

  it("refuses a callback whose state was tampered with: 403, not logged in", async () => {
    const browser = newBrowser();
    const callback = (
      await browser.navigate(`${app.url}/login/oidc`, {
        submitFormsAt: provider.issuer,
        stopAt: (u) => u.pathname === "/login/oidc" && u.searchParams.has("code"),
      })
    ).url;
    callback.searchParams.set("state", "forged");
    const res = await expectLog(app.loop, /403 .*T_ERR_AUTH_STATE/, () =>
      browser.request(callback),
    );
    expect(res.code).toBe(403);
    expect((await browser.request(`${app.url}/me`)).code).toBe(302);
  });

  it("has no /login/oidc route when the demo is started without a provider", async () => {
    const plain = await startInProcess();
    try {
      const res = await fetch(`${plain.url}/login/oidc`);
      expect(res.status).toBe(404);
    } finally {
      await plain.close();
    }
  });
});
