// cookie-quoting.test.ts: non-ASCII cookie values on the wire as Tornado/Python quote them, checked by Python's http.cookies.

import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatSetCookie, quoteCookieValue, RequestHandler } from "../src/index.js";
import { rawRequest, WebFixture } from "./helpers.js";

/** A python3 (its standard library has http.cookies), or null. */
function findPython(): string | null {
  for (const exe of ["/usr/bin/python3", "python3"]) {
    try {
      execFileSync(exe, ["-c", "import http.cookies"], { stdio: "ignore", timeout: 20_000 });
      return exe;
    } catch {
      // not this one
    }
  }
  return null;
}

const python = findPython();
if (python === null) {
  console.warn(
    "[@t/web] python3 not found: skipping the http.cookies comparison. Install it with: apt-get install python3",
  );
}

/** Latin1 header text → the bytes on the wire. */
const wire = (header: string) => Buffer.from(header, "latin1");

describe("quoteCookieValue", () => {
  it("writes a code point up to U+00FF as Python's \\ooo escape of the code point", () => {
    expect(quoteCookieValue("é")).toBe('"\\351"');
    expect(quoteCookieValue("ÿ©")).toBe('"\\377\\251"');
    expect(quoteCookieValue("\x7f")).toBe('"\\177"');
    expect(quoteCookieValue("a b")).toBe('"a b"');
  });

  it("writes characters above U+00FF as their UTF-8 bytes (one latin1 character per byte)", () => {
    const q = quoteCookieValue("é☃");
    expect(q).toBe(`"\\351${Buffer.from("☃").toString("latin1")}"`);
    expect(wire(q).toString("utf8")).toBe('"\\351☃"');
    expect(wire(quoteCookieValue("😀;日本")).toString("utf8")).toBe('"😀\\073日本"');
  });
});

describe.skipIf(python === null)("Set-Cookie against Python's http.cookies", () => {
  /**
   * For each [name, value]: our Set-Cookie header's bytes, decoded as UTF-8 by Python, must load
   * into SimpleCookie as `value`, and its quoted value must be what SimpleCookie itself writes.
   */
  function checkWithPython(values: string[]): void {
    const cases = values.map((value) => ({
      value,
      header: wire(formatSetCookie("n", value, { path: "/" })).toString("base64"),
    }));
    const script = `import base64, json, sys
from http.cookies import SimpleCookie
out = []
for case in json.load(sys.stdin):
    header = base64.b64decode(case["header"]).decode("utf-8")
    loaded = SimpleCookie()
    loaded.load(header)
    ours = SimpleCookie()
    ours["n"] = case["value"]
    out.append({"loaded": loaded["n"].value, "python": ours["n"].coded_value,
                "sent": header.split(";")[0][2:]})
json.dump(out, sys.stdout)`;
    const results = JSON.parse(
      execFileSync(python as string, ["-c", script], {
        input: JSON.stringify(cases),
        encoding: "utf8",
        timeout: 20_000,
      }),
    ) as { loaded: string; python: string; sent: string }[];
    results.forEach((r, i) => {
      const value = values[i] as string;
      expect(r.loaded, `Python loads ${JSON.stringify(value)}`).toBe(value);
      expect(r.sent, `quoting of ${JSON.stringify(value)}`).toBe(r.python);
    });
  }

  it("Python reads back é☃, emoji, CJK and every latin1 character, quoted exactly as SimpleCookie does", () => {
    const latin1 = Array.from({ length: 0x100 - 0x21 }, (_, i) => String.fromCharCode(0x21 + i));
    checkWithPython([
      "é☃",
      "café",
      "naïve=©",
      'ÿ;,"\\',
      "😀",
      "日本語",
      "a\x7fb",
      "plain",
      latin1.join(""),
    ]);
  });

  it("any value without spaces or control characters survives the trip (property)", () => {
    const char = fc.oneof(
      fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
      fc.integer({ min: 0x7f, max: 0xff }).map((c) => String.fromCharCode(c)),
      fc.constantFrom("☃", "😀", "€", "日", '"', "\\", ";", ","),
    );
    const values = fc.sample(
      fc.array(char, { minLength: 1, maxLength: 12 }).map((cs) => cs.join("")),
      { numRuns: 300, seed: 18 },
    );
    checkWithPython(values);
  });
});

describe("non-ASCII cookies through a real server", () => {
  let fx: WebFixture;
  beforeEach(() => {
    fx = new WebFixture();
  });
  afterEach(async () => {
    const bad = fx.logger.unexpected();
    await fx.dispose();
    expect(bad.map((e) => `${e.level}: ${e.msg}`)).toEqual([]);
  });

  const VALUES: Record<string, string> = { latin: "café-ü©ÿ", marks: 'naïve;"q",\\', snow: "é☃" };

  class SetThem extends RequestHandler {
    override get() {
      for (const [name, value] of Object.entries(VALUES)) this.setCookie(name, value);
    }
  }

  class ReadThem extends RequestHandler {
    override get() {
      this.write({
        latin: this.getCookie("latin"),
        marks: this.getCookie("marks"),
        snow: this.getCookie("snow"),
      });
    }
  }

  it("sends Tornado's bytes and reads every value back unchanged, é☃ included", async () => {
    await fx.serve([
      ["/set", SetThem],
      ["/get", ReadThem],
    ]);
    const response = await rawRequest(
      fx.port,
      "GET /set HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    const setCookies = [...response.matchAll(/^Set-Cookie: ([^=]+)=([^;\r]*)/gm)].map((m) => [
      m[1] as string,
      m[2] as string,
    ]);
    const sent = Object.fromEntries(setCookies);
    expect(sent.latin).toBe('"caf\\351-\\374\\251\\377"');
    expect(sent.marks).toBe('"na\\357ve\\073\\"q\\"\\054\\\\"');
    // é as Tornado writes it, ☃ as the UTF-8 bytes Python's quoting implies.
    expect(wire(sent.snow as string)).toEqual(
      Buffer.concat([Buffer.from('"\\351'), Buffer.from("☃"), Buffer.from('"')]),
    );

    // A browser returns the cookies byte for byte.
    const cookieHeader = setCookies.map(([n, v]) => `${n}=${v}`).join("; ");
    const back = await rawRequest(
      fx.port,
      wire(`GET /get HTTP/1.1\r\nHost: x\r\nCookie: ${cookieHeader}\r\nConnection: close\r\n\r\n`),
    );
    const body = Buffer.from(back.slice(back.indexOf("\r\n\r\n") + 4), "latin1").toString("utf8");
    expect(JSON.parse(body)).toEqual(VALUES);
  });
});
