import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { authenticated, MissingSettingError, RequestHandler } from "../src/index.js";
import { WebFixture } from "./helpers.js";

let fx: WebFixture;
beforeEach(() => {
  fx = new WebFixture();
});
afterEach(async () => {
  const bad = fx.logger.unexpected();
  await fx.dispose();
  expect(bad.map((e) => `${e.level}: ${e.msg}`)).toEqual([]);
});

class SetCookies extends RequestHandler {
  override get() {
    this.setCookie("str", "asdf");
    this.setCookie("unicode", "qwer");
    this.setCookie("bytes", "zxcv");
    this.setCookie("equals", "a=b");
    this.setCookie("semicolon", "a;b");
    this.setCookie("quote", 'a"b');
    this.setCookie("replaced", "first");
    this.setCookie("replaced", "second", { path: "/p", httpOnly: true, sameSite: "Strict" });
  }
}

class GetCookie extends RequestHandler {
  override get() {
    this.write(this.getCookie("foo", "default"));
  }
}

class ClearCookie extends RequestHandler {
  override get() {
    this.clearCookie("foo", { path: "/x" });
  }
}

class Signed extends RequestHandler {
  override get() {
    const v = this.getSignedCookie("user");
    this.write({ user: v, keyVersion: this.getSignedCookieKeyVersion("user") });
  }
  override post() {
    this.setSignedCookie("user", this.getArgument("name"));
  }
}

function cookieValue(setCookie: string): string {
  const first = setCookie.split(";")[0];
  return first.slice(first.indexOf("=") + 1);
}

describe("cookies", () => {
  it("sets cookies with SimpleCookie quoting, one header per name, last call winning", async () => {
    await fx.serve([["/", SetCookies]]);
    const res = await fx.fetch("/");
    expect(res.headers.getSetCookie()).toEqual([
      "str=asdf; Path=/",
      "unicode=qwer; Path=/",
      "bytes=zxcv; Path=/",
      'equals="a=b"; Path=/',
      'semicolon="a\\073b"; Path=/',
      'quote="a\\"b"; Path=/',
      "replaced=second; Path=/p; HttpOnly; SameSite=Strict",
    ]);
  });

  it("reads cookies, unquoting quoted values, with a default for missing ones", async () => {
    await fx.serve([["/", GetCookie]]);
    expect(await (await fx.fetch("/", { headers: { Cookie: "foo=bar" } })).text()).toBe("bar");
    expect(await (await fx.fetch("/", { headers: { Cookie: 'foo="a=b"' } })).text()).toBe("a=b");
    expect(await (await fx.fetch("/")).text()).toBe("default");
  });

  it("clears a cookie with an expiry in the past", async () => {
    await fx.serve([["/", ClearCookie]]);
    const [c] = (await fx.fetch("/")).headers.getSetCookie();
    expect(c).toMatch(/^foo=; expires=.* GMT; Max-Age=0; Path=\/x$/);
    const expires = Date.parse(/expires=([^;]+)/.exec(c)?.[1] ?? "");
    expect(expires).toBeLessThan(Date.now());
  });
});

describe("signed cookies", () => {
  it("round-trips a signed cookie and rejects a tampered one", async () => {
    await fx.serve([["/", Signed]], { cookieSecret: "0123456789abcdef" });
    const set = await fx.fetch("/", {
      method: "POST",
      body: "name=alice",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    const [header] = set.headers.getSetCookie();
    expect(header).toMatch(/^user="2\|1:0\|10:\d{10}\|4:user\|8:YWxpY2U=\|[0-9a-f]{64}"; expires=/);
    const value = cookieValue(header);
    const ok = await fx.fetch("/", { headers: { Cookie: `user=${value}` } });
    expect(await ok.json()).toEqual({ user: "alice", keyVersion: 0 });
    const tampered = value.replace("YWxpY2U=", "bWFsbG9y");
    const bad = await fx.fetch("/", { headers: { Cookie: `user=${tampered}` } });
    expect((await bad.json()).user).toBeNull();
  });

  it("rotates keys: signs with keyVersion and reads cookies of older key versions", async () => {
    await fx.serve([["/", Signed]], {
      cookieSecret: { 1: "old-secret", 2: "new-secret" },
      keyVersion: 2,
    });
    const set = await fx.fetch("/", {
      method: "POST",
      body: "name=bob",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    const value = cookieValue(set.headers.getSetCookie()[0]);
    expect(value).toContain("2|1:2|");
    const res = await fx.fetch("/", { headers: { Cookie: `user=${value}` } });
    expect(await res.json()).toEqual({ user: "bob", keyVersion: 2 });
  });

  it("needs the cookieSecret setting (500 with MissingSettingError logged)", async () => {
    await fx.serve([["/", Signed]]);
    const res = await fx.fetch("/");
    expect(res.status).toBe(500);
    await res.text();
    const err = fx.logger.entries.find((e) => e.obj instanceof MissingSettingError);
    expect(err?.obj).toBeInstanceOf(MissingSettingError);
    fx.logger.expect("error", /./);
  });
});

class XsrfForm extends RequestHandler {
  override get() {
    this.write(this.xsrfFormHtml());
  }
  override post() {
    this.write("ok");
  }
}

describe("XSRF", () => {
  async function tokenAndCookie(): Promise<{ token: string; cookie: string }> {
    const res = await fx.fetch("/");
    const html = await res.text();
    const token = /value="([^"]+)"/.exec(html)?.[1] ?? "";
    const cookie = cookieValue(res.headers.getSetCookie()[0]);
    return { token, cookie };
  }
  const form = { "Content-Type": "application/x-www-form-urlencoded" };

  it("sets the _xsrf cookie and accepts a POST with a matching argument or header", async () => {
    await fx.serve([["/", XsrfForm]], { xsrfCookies: true });
    const { token, cookie } = await tokenAndCookie();
    expect(token).toMatch(/^2\|[0-9a-f]{8}\|[0-9a-f]{32}\|\d+$/);
    const r1 = await fx.fetch("/", {
      method: "POST",
      headers: { ...form, Cookie: `_xsrf=${cookie}` },
      body: `_xsrf=${encodeURIComponent(token)}`,
    });
    expect(await r1.text()).toBe("ok");
    const r2 = await fx.fetch("/", {
      method: "POST",
      headers: { Cookie: `_xsrf=${cookie}`, "X-Xsrftoken": token },
    });
    expect(r2.status).toBe(200);
    // The cookie value itself (another masking of the same token) is also accepted.
    const r3 = await fx.fetch("/", {
      method: "POST",
      headers: { Cookie: `_xsrf=${cookie}`, "X-Csrftoken": cookie },
    });
    expect(r3.status).toBe(200);
  });

  it("rejects POSTs without a token, with a bad format, or with another token (403)", async () => {
    await fx.serve([["/", XsrfForm]], { xsrfCookies: true });
    const { cookie } = await tokenAndCookie();
    const other = await tokenAndCookie();
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ ...form, Cookie: `_xsrf=${cookie}` }, "", /argument missing/],
      [{ ...form, Cookie: `_xsrf=${cookie}` }, "_xsrf=3|x", /invalid format/],
      [
        { ...form, Cookie: `_xsrf=${cookie}` },
        `_xsrf=${encodeURIComponent(other.token)}`,
        /does not match/,
      ],
      [form, `_xsrf=${encodeURIComponent(other.token)}`, /does not match/],
    ];
    for (const [headers, body, re] of cases) {
      const res = await fx.fetch("/", { method: "POST", headers, body });
      expect(res.status).toBe(403);
      await res.text();
      expect(fx.logger.expect("warn", re)).toBeGreaterThan(0);
    }
    fx.logger.expect("warn", /^403 POST/);
  });

  it("does not check GET, HEAD or OPTIONS", async () => {
    await fx.serve([["/", XsrfForm]], { xsrfCookies: true });
    expect((await fx.fetch("/?x=1")).status).toBe(200);
  });
});

class Profile extends RequestHandler {
  override getCurrentUser() {
    return this.getCookie("user") ?? null;
  }
  override get() {
    this.write(`hi ${String(this.currentUser)}`);
  }
  override post() {
    this.write("posted");
  }
}
// Node 20 cannot parse `@authenticated` yet; applying the decorator by hand is equivalent.
Profile.prototype.get = authenticated(Profile.prototype.get);
Profile.prototype.post = authenticated(Profile.prototype.post);

describe("authenticated", () => {
  it("lets a logged-in user through", async () => {
    await fx.serve([["/profile", Profile]], { loginUrl: "/login" });
    expect(await (await fx.fetch("/profile", { headers: { Cookie: "user=ann" } })).text()).toBe(
      "hi ann",
    );
  });

  it("redirects anonymous GETs to loginUrl?next= and refuses other methods with 403", async () => {
    await fx.serve([["/profile", Profile]], { loginUrl: "/login" });
    const res = await fx.fetch("/profile?tab=1");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login?next=%2Fprofile%3Ftab%3D1");
    const post = await fx.fetch("/profile", { method: "POST" });
    expect(post.status).toBe(403);
    await post.text();
    fx.logger.expect("warn", /^403 POST/);
  });

  it("makes next absolute when loginUrl is absolute", async () => {
    await fx.serve([["/profile", Profile]], { loginUrl: "http://auth.example.com/login" });
    const res = await fx.fetch("/profile");
    expect(res.headers.get("location")).toBe(
      `http://auth.example.com/login?next=${encodeURIComponent(`http://127.0.0.1:${fx.port}/profile`)}`,
    );
  });
});

describe("XSRF token formats (Tornado's XSRFTest)", () => {
  const post = (cookie: string, token: string) =>
    fx.fetch("/", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: `_xsrf=${cookie}` },
      body: `_xsrf=${encodeURIComponent(token)}`,
    });

  it("accepts short hex and non-hex v1 tokens that match the cookie", async () => {
    await fx.serve([["/", XsrfForm]], { xsrfCookies: true });
    expect((await post("deadbeef", "deadbeef")).status).toBe(200);
    expect((await post("xoxo", "xoxo")).status).toBe(200);
  });

  it("rejects a cookie of an unknown version even when the argument is the same string", async () => {
    await fx.serve([["/", XsrfForm]], { xsrfCookies: true });
    const res = await post("3|abc", "3|abc");
    expect(res.status).toBe(403);
    await res.text();
    fx.logger.expect("warn", /invalid format|^403/);
  });

  it("keeps the token of an existing cookie (no new Set-Cookie) and masks it differently per page", async () => {
    await fx.serve([["/", XsrfForm]], { xsrfCookies: true });
    const first = await fx.fetch("/");
    const cookie = cookieValue(first.headers.getSetCookie()[0]);
    await first.text();
    const pages = await Promise.all(
      [1, 2].map(async () => {
        const r = await fx.fetch("/", { headers: { Cookie: `_xsrf=${cookie}` } });
        expect(r.headers.getSetCookie()).toEqual([]);
        return /value="([^"]+)"/.exec(await r.text())?.[1] ?? "";
      }),
    );
    expect(pages[0]).not.toBe(pages[1]);
    for (const t of pages) expect((await post(cookie, t)).status).toBe(200);
  });
});
