// Error pages, the profile page and the favicon by Accept header, in-process with fetch (no browser).

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { STATIC_PATH } from "../src/app.mjs";
import { prefersHtml } from "../src/handlers/base.mjs";
import { CookieJar, type InProcessDemo, startInProcess } from "./helpers.js";

/** What Chromium sends when it navigates to a page. */
const BROWSER_ACCEPT =
  "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8";

let app: InProcessDemo;
let uploadDir: string;

beforeEach(async () => {
  uploadDir = await mkdtemp(join(tmpdir(), "t-demo-pages-"));
  app = await startInProcess({ uploadDir });
});

afterEach(async () => {
  await app.close();
  await rm(uploadDir, { recursive: true, force: true });
});

describe("prefersHtml", () => {
  it("is true for a browser navigation, false for fetch, curl, JSON clients and no header", () => {
    expect(prefersHtml(BROWSER_ACCEPT)).toBe(true);
    expect(prefersHtml("text/html")).toBe(true);
    expect(prefersHtml("application/json, text/html;q=0.5")).toBe(false);
    expect(prefersHtml("text/html;q=0.5, application/json;q=0.5")).toBe(true);
    expect(prefersHtml("text/html;q=0")).toBe(false);
    expect(prefersHtml("*/*")).toBe(false);
    expect(prefersHtml("application/json")).toBe(false);
    expect(prefersHtml("")).toBe(false);
    expect(prefersHtml(undefined)).toBe(false);
  });
});

describe("error pages", () => {
  it("an unknown path: the styled page with a link home for browsers, one line of text otherwise", async () => {
    const page = await fetch(`${app.url}/no/such/<page>`, { headers: { Accept: BROWSER_ACCEPT } });
    expect(page.status).toBe(404);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("vary")).toMatch(/\bAccept\b/);
    expect(page.headers.get("x-instance")).toBe(app.demo.context.instance);
    const html = await page.text();
    expect(html).toContain("<title>404 Not Found · @t demo</title>");
    expect(html).toMatch(/<link rel="stylesheet" href="\/static\/style\.css\?v=/);
    expect(html).toContain('<a id="home-link" class="button" href="/">');
    expect(html).toContain("/no/such/%3Cpage%3E"); // the path, as sent (escaped by the client)
    expect(html).not.toContain("<page>");

    const text = await fetch(`${app.url}/no/such/page`);
    expect(text.status).toBe(404);
    expect(text.headers.get("content-type")).toBe("text/plain; charset=UTF-8");
    expect(await text.text()).toBe("404: Not Found\n");
  });

  it("a missing static file and a refused form get the styled page too", async () => {
    const file = await fetch(`${app.url}/static/nope.css`, { headers: { Accept: BROWSER_ACCEPT } });
    expect(file.status).toBe(404);
    expect(await file.text()).toContain('id="home-link"');

    const form = await fetch(`${app.url}/logout`, {
      method: "POST",
      headers: { Accept: BROWSER_ACCEPT },
    });
    expect(form.status).toBe(403);
    const html = await form.text();
    expect(html).toContain("403 <small>Forbidden</small>");
    expect(html).toContain("XSRF token");
  });

  it("the APIs answer errors in JSON (and /metrics in text) whatever the Accept header", async () => {
    for (const accept of [BROWSER_ACCEPT, "*/*"]) {
      const post = await fetch(`${app.url}/chat/new`, {
        method: "POST",
        headers: { Accept: accept },
        body: new URLSearchParams({ body: "hi" }),
      });
      expect(post.status).toBe(403);
      expect(post.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await post.json()).toEqual({ error: { status: 403, reason: "Forbidden" } });

      const upload = await fetch(`${app.url}/upload/x.txt`, {
        method: "PUT",
        headers: { Accept: accept },
        body: "x",
      });
      expect(upload.status).toBe(403);
      expect(await upload.json()).toEqual({ error: { status: 403, reason: "Forbidden" } });

      const health = await fetch(`${app.url}/healthz`, {
        method: "POST",
        headers: { Accept: accept },
      });
      expect(health.status).toBe(403);
      expect(await health.json()).toEqual({ error: { status: 403, reason: "Forbidden" } });

      const metrics = await fetch(`${app.url}/metrics`, {
        method: "DELETE",
        headers: { Accept: accept },
      });
      expect(metrics.status).toBe(403);
      expect(metrics.headers.get("content-type")).toBe("text/plain; charset=UTF-8");
      expect(await metrics.text()).toBe("403: Forbidden\n");
    }
  });
});

describe("pages", () => {
  it("/me is a page for browsers and JSON for everyone else", async () => {
    const jar = new CookieJar();
    const login = await jar.fetch(`${app.url}/login`);
    const token = (/name="_xsrf" value="([^"]+)"/.exec(await login.text()) as RegExpExecArray)[1];
    await jar.fetch(`${app.url}/login`, {
      method: "POST",
      body: new URLSearchParams({ _xsrf: token, name: "Ada Lovelace", next: "/me" }),
    });
    const page = await jar.fetch(`${app.url}/me`, { headers: { Accept: BROWSER_ACCEPT } });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("vary")).toMatch(/\bAccept\b/);
    const html = await page.text();
    expect(html).toContain('<strong id="profile-name">Ada Lovelace</strong>');
    expect(html).toContain("<title>Your profile · @t demo</title>");

    for (const accept of ["application/json", "*/*"]) {
      const json = await jar.fetch(`${app.url}/me`, { headers: { Accept: accept } });
      expect(json.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await json.json()).toEqual({ user: "Ada Lovelace" });
    }
  });

  it("the layout links the favicon, keeps /metrics out of the nav, and the home title is not doubled", async () => {
    const html = await (await fetch(`${app.url}/`)).text();
    expect(html).toContain("<title>@t demo</title>");
    expect(html).toMatch(
      /<link rel="icon" type="image\/svg\+xml" href="\/static\/favicon\.svg\?v=/,
    );
    const nav = (/<nav>([\s\S]*?)<\/nav>/.exec(html) as RegExpExecArray)[1];
    expect(nav).toContain('href="/chat"');
    expect(nav).not.toContain("/metrics");
    const footer = (/<footer>([\s\S]*?)<\/footer>/.exec(html) as RegExpExecArray)[1];
    expect(footer).toContain('href="/metrics"');
  });

  it("/favicon.ico answers the SVG icon with 200 and a day's cache", async () => {
    const svg = await readFile(join(STATIC_PATH, "favicon.svg"));
    for (const path of ["/favicon.ico", "/static/favicon.svg"]) {
      const res = await fetch(`${app.url}${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toBe("image/svg+xml");
      expect(Buffer.from(await res.arrayBuffer()).equals(svg), path).toBe(true);
    }
    const ico = await fetch(`${app.url}/favicon.ico`);
    expect(ico.headers.get("cache-control")).toBe("max-age=86400");
  });
});
