// @t/httpserver's HTTPInputError is recognised by its code, so that a second installed copy of
// @t/httpserver (another class with the same code) is answered the same way: 4xx, a warning.

import { HTTPInputError } from "@t/httpserver";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RequestHandler } from "../src/index.js";
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

/** What another installed copy of @t/httpserver would throw: same name and code, another class. */
class OtherCopyHTTPInputError extends Error {
  override readonly name = "HTTPInputError";
  readonly code = "T_ERR_HTTP_INPUT";
  readonly statusCode: number;
  constructor(message: string, statusCode = 400) {
    super(message);
    this.statusCode = statusCode;
  }
}

const THROWN: Record<string, () => unknown> = {
  real: () => new HTTPInputError("form too large", 413),
  "other-copy": () => new OtherCopyHTTPInputError("form too large", 413),
  "plain-error-with-code": () =>
    Object.assign(new Error("form too large"), { code: "T_ERR_HTTP_INPUT", statusCode: 413 }),
  "code-without-status": () =>
    Object.assign(new Error("form too large"), { code: "T_ERR_HTTP_INPUT" }),
  "another-code": () =>
    Object.assign(new Error("form too large"), { code: "T_ERR_SOMETHING_ELSE", statusCode: 413 }),
};

class Thrower extends RequestHandler {
  override get(kind: string): void {
    throw THROWN[kind]();
  }
}

describe("a peer input error from @t/httpserver", () => {
  it("is answered by its code, whatever class carries it", async () => {
    await fx.serve([[String.raw`/(\S+)`, Thrower]]);
    const seen: Record<string, number> = {};
    for (const kind of Object.keys(THROWN)) {
      const res = await fx.fetch(`/${kind}`);
      seen[kind] = res.status;
      await res.text();
    }
    expect(seen).toEqual({
      real: 413,
      "other-copy": 413,
      "plain-error-with-code": 413,
      "code-without-status": 400,
      "another-code": 500,
    });
    // Four warnings naming the invalid body (the peer's fault), then the access lines.
    expect(
      fx.logger.expect("warn", /^413 GET \/\S+ \(127\.0\.0\.1\): Invalid body: form too large$/),
    ).toBe(3);
    expect(fx.logger.expect("warn", /^400 GET \/code-without-status .*Invalid body/)).toBe(1);
    fx.logger.expect("warn", /^(413|400) GET/);
    // Only an unknown code is a programming error: logged as an uncaught exception, 500.
    expect(fx.logger.expect("error", /Uncaught exception GET \/another-code/)).toBe(1);
    fx.logger.expect("error", /^500 GET \/another-code/);
  });
});
