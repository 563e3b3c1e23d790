// /me/tornado: the profile page from a Tornado-style template (templates-tornado/profile.html) through NunjucksTemplateEngine, in-process over 127.0.0.1.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CookieJar, type InProcessDemo, startInProcess } from "./helpers.js";

let app: InProcessDemo;
let uploadDir: string;

beforeEach(async () => {
  uploadDir = await mkdtemp(join(tmpdir(), "t-demo-tornado-"));
  app = await startInProcess({ uploadDir, instance: "test <instance>" });
});

afterEach(async () => {
  await app.close();
  await rm(uploadDir, { recursive: true, force: true });
});

async function logIn(jar: CookieJar, name: string): Promise<void> {
  const form = await jar.fetch(`${app.url}/login`);
  const token = (/name="_xsrf" value="([^"]+)"/.exec(await form.text()) as RegExpExecArray)[1];
  const res = await jar.fetch(`${app.url}/login`, {
    method: "POST",
    body: new URLSearchParams({ _xsrf: token, name, next: "/me/tornado" }),
  });
  expect(res.status).toBe(302);
  expect(res.headers.get("location")).toBe("/me/tornado");
}

describe("/me/tornado (a Tornado-style template)", () => {
  it("sends anonymous users to the login page", async () => {
    const res = await fetch(`${app.url}/me/tornado`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login?next=%2Fme%2Ftornado");
  });

  it("renders the profile from templates-tornado/ with the layout, static URLs and an XSRF form that works", async () => {
    const jar = new CookieJar();
    await logIn(jar, "Ada Lovelace");
    const page = await jar.fetch(`${app.url}/me/tornado`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain("<title>Your profile · @t demo</title>");
    expect(html).toContain('<strong id="profile-name">Ada Lovelace</strong>');
    expect(html).toContain('<a id="user-name" href="/me" title="Your profile">Ada Lovelace</a>');
    expect(html).toMatch(/<link rel="stylesheet" href="\/static\/style\.css\?v=[0-9a-f]+">/);
    // {%! and {{! print template syntax literally; the instance name is escaped.
    expect(html).toContain('<code>{% extends "base.html" %}</code>');
    expect(html).toContain("<code>{{ current_user }}</code>");
    expect(html).toContain("<code>test &lt;instance&gt;</code>");
    expect(html).not.toContain("test <instance>");

    // The logout form's token came from {% module xsrf_form_html() %}: the server accepts it.
    const token = (/name="_xsrf" value="([^"]+)"/.exec(html) as RegExpExecArray)[1];
    const out = await jar.fetch(`${app.url}/logout`, {
      method: "POST",
      body: new URLSearchParams({ _xsrf: token }),
    });
    expect(out.status).toBe(302);
    expect(jar.cookies.has("user")).toBe(false);
  });

  it("the eta page at /me still renders the same profile", async () => {
    const jar = new CookieJar();
    await logIn(jar, "Ada");
    const eta = await (
      await jar.fetch(`${app.url}/me`, { headers: { Accept: "text/html" } })
    ).text();
    const njk = await (await jar.fetch(`${app.url}/me/tornado`)).text();
    for (const html of [eta, njk]) {
      expect(html).toContain('<strong id="profile-name">Ada</strong>');
      expect(html).toContain("<title>Your profile · @t demo</title>");
    }
  });
});
