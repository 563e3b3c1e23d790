// Finish: throwing it anywhere in a handler ends the request with what was written.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Finish, RequestHandler } from "../src/index.js";
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

let methodRan = false;

/** Tornado's FinishInPrepareHandler-style test: 401 with a header, the method never runs. */
class Guarded extends RequestHandler {
  override prepare() {
    this.setStatus(401);
    this.setHeader("WWW-Authenticate", 'Basic realm="something"');
    if (this.getArgument("finish", "") === "chunk") throw new Finish("authenticate, please");
    this.write("authenticate");
    throw new Finish();
  }
  override get() {
    methodRan = true;
    this.write("secret");
  }
}

function check(handler: RequestHandler, value: string): void {
  if (value === "stop") {
    handler.write({ stopped: true });
    throw new Finish();
  }
}

class Deep extends RequestHandler {
  override async get() {
    this.write("before ");
    await Promise.resolve();
    check(this, this.getArgument("v", "") as string);
    this.write("after");
  }
}

class AfterFinish extends RequestHandler {
  override get() {
    this.finish("done");
    throw new Finish("ignored");
  }
}

describe("Finish", () => {
  it("thrown in prepare() ends the request with its status, headers and body; the method never runs", async () => {
    methodRan = false;
    await fx.serve([["/guarded", Guarded]]);
    const res = await fx.fetch("/guarded");
    expect(res.status).toBe(401);
    expect(res.headers.get("WWW-Authenticate")).toBe('Basic realm="something"');
    expect(await res.text()).toBe("authenticate");
    const withChunk = await fx.fetch("/guarded?finish=chunk");
    expect(await withChunk.text()).toBe("authenticate, please");
    expect(methodRan).toBe(false);
    // The 401s are logged as access lines (warn), not as errors.
    expect(fx.logger.expect("warn", /401 GET \/guarded/)).toBe(2);
    expect(fx.logger.entries.filter((e) => e.level === "error")).toEqual([]);
  });

  it("thrown from a function an async method calls finishes with what was written so far", async () => {
    await fx.serve([["/deep", Deep]]);
    const stopped = await fx.fetch("/deep?v=stop");
    expect(stopped.status).toBe(200);
    expect(await stopped.text()).toBe('before {"stopped":true}');
    expect(await (await fx.fetch("/deep?v=go")).text()).toBe("before after");
  });

  it("after finish() it is ignored (no error, no second response)", async () => {
    await fx.serve([["/after", AfterFinish]]);
    const res = await fx.fetch("/after");
    expect(await res.text()).toBe("done");
    expect(new Finish().code).toBe("T_ERR_FINISH");
    expect(new Finish()).toBeInstanceOf(Error);
  });
});
