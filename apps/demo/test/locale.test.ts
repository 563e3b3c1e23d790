// The demo in two languages (Accept-Language, the language switch's cookie), the chat message UI module, and "Log in with …" on the login page.

import { afterEach, describe, expect, it } from "vitest";
import { CookieJar, type InProcessDemo, startInProcess } from "./helpers.js";

let app: InProcessDemo | null = null;

afterEach(async () => {
  await app?.close();
  app = null;
});

async function page(path: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${(app as InProcessDemo).url}${path}`, { headers });
  expect(res.status, path).toBe(200);
  return await res.text();
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

describe("two languages", () => {
  it("Accept-Language chooses German or English; unsupported languages get English", async () => {
    app = await startInProcess();
    const de = await page("/", { "Accept-Language": "fr;q=0.5, de-AT;q=0.9" });
    expect(de).toContain('<html lang="de">');
    expect(de).toContain('<a href="/upload">Hochladen</a>');
    expect(de).toContain('<a id="login-link" class="button" href="/login">Anmelden</a>');
    expect(de).toContain("Ein Server, jede Schicht");
    // The switch offers the other language, pointing back at this page.
    expect(de).toContain(
      '<a class="lang" id="lang-en_US" lang="en-US" href="/lang/en_US?next=%2F">',
    );

    for (const accept of ["en-GB,en;q=0.9", "fr, it;q=0.5", null]) {
      const en = await page("/", accept === null ? {} : { "Accept-Language": accept });
      expect(en).toContain('<html lang="en-US">');
      expect(en).toContain('<a href="/upload">upload</a>');
      expect(en).toContain("One server, every layer");
      expect(en).toContain('id="lang-de"');
    }
  });

  it("the language switch keeps the choice in a cookie that wins over Accept-Language", async () => {
    app = await startInProcess();
    const jar = new CookieJar();
    const switched = await jar.fetch(`${app.url}/lang/de?next=${encodeURIComponent("/chat")}`);
    expect(switched.status).toBe(302);
    expect(switched.headers.get("location")).toBe("/chat");
    expect(switched.headers.getSetCookie().join("\n")).toMatch(/^lang=de;.*SameSite=Lax/m);

    const chat = await jar.fetch(`${app.url}/chat`, { headers: { "Accept-Language": "en" } });
    const html = await chat.text();
    expect(html).toContain('<html lang="de">');
    expect(html).toContain("Öffne diese Seite in zwei Fenstern");
    expect(html).toContain('placeholder="Schreib etwas …"');

    // Only the demo's languages, and only local paths to go back to.
    expect((await jar.fetch(`${app.url}/lang/xx`)).status).toBe(404);
    const away = await jar.fetch(`${app.url}/lang/en_US?next=//evil.example/`);
    expect(away.headers.get("location")).toBe("/");
    // A cookie naming no language of the demo is ignored (the browser's language decides).
    const odd = await page("/", { Cookie: "lang=<script>", "Accept-Language": "de" });
    expect(odd).toContain('<html lang="de">');
  });
});

describe("the chat page's ChatMessage UI module", () => {
  it("renders every message with its time in the reader's language; its CSS and script are in the page once", async () => {
    app = await startInProcess();
    const { backend, instance } = app.demo.context;
    const now = Date.now();
    for (const [i, minutesAgo] of [3, 2, 1].entries()) {
      await backend.publish({
        id: `id-${i}`,
        from: "ana",
        body: `message <${i}>`,
        time: now - minutesAgo * 60_000,
        via: instance,
      });
    }
    const de = await page("/chat", { "Accept-Language": "de" });
    expect(de).toContain('<span class="body">message &lt;0&gt;</span>');
    expect(de).toMatch(/<time class="message-time" datetime="[^"]+">vor 3 Minuten<\/time>/);
    expect(de).toMatch(/<time class="message-time" datetime="[^"]+">vor 1 Minute<\/time>/);
    expect(count(de, 'class="message-time"')).toBe(3);
    expect(count(de, ".message-time { color")).toBe(1);
    expect(count(de, "window.chatMessageScriptRuns = ")).toBe(1);
    // The module's CSS goes into the head, its script at the end of the body.
    expect(de.indexOf(".message-time { color")).toBeLessThan(de.indexOf("</head>"));
    expect(de.indexOf("window.chatMessageScriptRuns")).toBeGreaterThan(de.indexOf("chat.js"));

    const en = await page("/chat");
    expect(en).toMatch(/<time class="message-time" datetime="[^"]+">3 minutes ago<\/time>/);
  });

  it("a page without messages uses no module and carries none of its resources", async () => {
    app = await startInProcess();
    const html = await page("/chat");
    expect(html).not.toContain("message-time");
    expect(html).not.toContain("chatMessageScriptRuns");
  });
});

describe("Log in with …", () => {
  it("the login page has the provider's button (translated) when OpenID Connect is configured", async () => {
    app = await startInProcess({
      // Discovery happens on the first login, so no provider needs to run for the page.
      oidc: {
        issuer: "http://127.0.0.1:9/",
        clientId: "t-demo",
        label: "Example ID",
        allowInsecureRequests: true,
      },
    });
    const en = await page("/login?next=%2Fchat");
    expect(en).toContain(
      '<a id="oidc-login" class="button" href="/login/oidc?next=%2Fchat">Log in with Example ID</a>',
    );
    const de = await page("/login", { "Accept-Language": "de" });
    expect(de).toContain(">Anmelden mit Example ID</a>");
  });

  it("without OpenID Connect, only the name form", async () => {
    app = await startInProcess();
    const html = await page("/login");
    expect(html).toContain('id="login-form"');
    expect(html).not.toContain("oidc-login");
  });
});
