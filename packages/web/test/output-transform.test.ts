// The transforms setting: OutputTransforms rewrite status, headers and body, in one piece or streamed.

import type { HTTPHeaders, HTTPServerRequest } from "@t/httpserver";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  Application,
  type OutputTransform,
  RequestHandler,
  type TransformedFirstChunk,
} from "../src/index.js";
import { rawRequest, WebFixture } from "./helpers.js";

let fx: WebFixture;
beforeEach(() => {
  fx = new WebFixture();
});
afterEach(async () => {
  const bad = fx.logger.unexpected();
  await fx.dispose();
  expect(bad.map((e) => `${e.level}: ${e.msg}`)).toEqual([]);
});

/** Upper-cases text bodies and records each call's `finishing` flag in a trailer-free way. */
const calls: string[] = [];
class Upper implements OutputTransform {
  constructor(readonly request: HTTPServerRequest) {}
  transformFirstChunk(
    statusCode: number,
    headers: HTTPHeaders,
    chunk: Buffer,
    finishing: boolean,
  ): TransformedFirstChunk {
    calls.push(`first ${this.request.path} ${finishing}`);
    headers.set("X-Transformed", "upper");
    return { statusCode, chunk: Buffer.from(chunk.toString().toUpperCase()) };
  }
  transformChunk(chunk: Buffer, finishing: boolean): Buffer {
    calls.push(`chunk ${finishing}`);
    return Buffer.from(chunk.toString().toUpperCase());
  }
}

/** Appends "!" to the body (changes its length: fixes Content-Length) and turns 200 into 203. */
class Bang implements OutputTransform {
  transformFirstChunk(
    statusCode: number,
    headers: HTTPHeaders,
    chunk: Buffer,
    finishing: boolean,
  ): TransformedFirstChunk {
    const out = finishing ? Buffer.concat([chunk, Buffer.from("!")]) : chunk;
    if (finishing && headers.has("Content-Length")) headers.set("Content-Length", out.length);
    return { statusCode: statusCode === 200 ? 203 : statusCode, chunk: out };
  }
  transformChunk(chunk: Buffer, finishing: boolean): Buffer {
    return finishing ? Buffer.concat([chunk, Buffer.from("!")]) : chunk;
  }
}

class Hello extends RequestHandler {
  override get() {
    this.write("hello");
  }
}

class Streamed extends RequestHandler {
  override async get() {
    this.write("one ");
    await this.flush();
    this.write("two ");
    await this.flush();
    this.write("three");
  }
}

class Long extends RequestHandler {
  override get() {
    this.write("abc ".repeat(1000));
  }
}

describe("transforms", () => {
  it("rewrite status, headers and a body sent in one piece, in order, fixing Content-Length", async () => {
    calls.length = 0;
    await fx.serve([["/", Hello]], { transforms: [Upper, Bang] });
    const res = await fx.fetch("/");
    expect(res.status).toBe(203);
    expect(res.headers.get("X-Transformed")).toBe("upper");
    expect(res.headers.get("Content-Length")).toBe("6");
    expect(await res.text()).toBe("HELLO!");
    expect(calls).toEqual(["first / true"]);
  });

  it("see every piece of a flushed (chunked) response, the last one finishing", async () => {
    calls.length = 0;
    await fx.serve([["/s", Streamed]], { transforms: [Upper, Bang] });
    const raw = await rawRequest(
      fx.port,
      "GET /s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    expect(raw).toMatch(/^HTTP\/1\.1 203 /);
    expect(raw).toMatch(/Transfer-Encoding: chunked/i);
    const res = await fx.fetch("/s");
    expect(await res.text()).toBe("ONE TWO THREE!");
    expect(calls.slice(-3)).toEqual(["first /s false", "chunk false", "chunk true"]);
  });

  it("run before compressResponse's gzip: the client inflates the transformed body", async () => {
    await fx.serve([["/long", Long]], { transforms: [Upper], compressResponse: true });
    const res = await fx.fetch("/long", { headers: { "Accept-Encoding": "gzip" } });
    expect(res.headers.get("Content-Encoding")).toBe("gzip");
    expect(await res.text()).toBe("ABC ".repeat(1000));
  });

  it("are off by default (Application.transforms is null) and the setting is checked", async () => {
    await fx.serve([["/", Hello]]);
    expect((fx.app as Application).transforms).toBeNull();
    expect(await (await fx.fetch("/")).text()).toBe("hello");
    expect(() => new Application([], { transforms: [42] as never })).toThrow(
      /array of OutputTransform classes/,
    );
    expect(new Application([], { transforms: [] }).transforms).toBeNull();
  });
});
