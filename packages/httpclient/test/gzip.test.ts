// Content-Encoding: gzip and deflate decoding, a compression bomb refused by the cap, corrupt data.

import { deflateRawSync, deflateSync, gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  DEFAULT_MAX_BODY_SIZE,
  HTTPMalformedResponseError,
  HTTPResponseTooLargeError,
} from "../src/index.js";
import { ClientFixture } from "./helpers.js";

let fx: ClientFixture;
beforeEach(() => {
  fx = new ClientFixture();
});
afterEach(async () => {
  await fx.dispose();
});

const text = "The quick brown fox jumps over the lazy dog. ".repeat(2000);

/** node:http serving `body` with `encoding`, chunked or with a length. */
async function encodedServer(body: Buffer, encoding: string, chunked = false) {
  const seen: (string | undefined)[] = [];
  const srv = await fx.serveNode((req, res) => {
    seen.push(req.headers["accept-encoding"]);
    res.setHeader("Content-Encoding", encoding);
    if (chunked) {
      const half = body.length >> 1;
      res.write(body.subarray(0, half));
      setImmediate(() => res.end(body.subarray(half)));
    } else {
      res.setHeader("Content-Length", String(body.length));
      res.end(body);
    }
  });
  return { srv, seen };
}

describe("decompression", () => {
  it("asks for gzip and decodes a gzip body; Content-Encoding becomes X-Consumed-Content-Encoding", async () => {
    const { srv, seen } = await encodedServer(gzipSync(text), "gzip", true);
    const client = fx.client();
    const res = await client.fetch(srv.url());
    expect(seen[0]).toBe("gzip, deflate");
    expect(res.text()).toBe(text);
    expect(res.headers.get("content-encoding")).toBeUndefined();
    expect(res.headers.get("x-consumed-content-encoding")).toBe("gzip");
    await client.fetch(srv.url());
    expect(srv.accepted).toBe(1);
  });

  it("decodes deflate in zlib format and raw deflate", async () => {
    const zlibbed = await encodedServer(deflateSync(text), "deflate");
    const raw = await encodedServer(deflateRawSync(text), "deflate");
    const client = fx.client();
    expect((await client.fetch(zlibbed.srv.url())).text()).toBe(text);
    expect((await client.fetch(raw.srv.url())).text()).toBe(text);
  });

  it("with decompressResponse: false leaves the body encoded and sends no Accept-Encoding", async () => {
    const gz = gzipSync(text);
    const { srv, seen } = await encodedServer(gz, "gzip");
    const client = fx.client();
    const res = await client.fetch(srv.url(), { decompressResponse: false });
    expect(seen[0]).toBeUndefined();
    expect(res.body.equals(gz)).toBe(true);
    expect(res.headers.get("content-encoding")).toBe("gzip");
  });

  it("streams decoded pieces to the iterator and to streamingCallback", async () => {
    const { srv } = await encodedServer(gzipSync(text), "gzip", true);
    const client = fx.client();
    const parts: Buffer[] = [];
    for await (const chunk of await client.stream(srv.url())) parts.push(chunk);
    expect(Buffer.concat(parts).toString()).toBe(text);
    const pieces: Buffer[] = [];
    await client.fetch(srv.url(), { streamingCallback: (c) => void pieces.push(c) });
    expect(Buffer.concat(pieces).toString()).toBe(text);
  });

  it("refuses a gzip bomb at maxBodySize before inflating it all (also at the default cap)", async () => {
    const bomb = gzipSync(Buffer.alloc(DEFAULT_MAX_BODY_SIZE + 1024 * 1024));
    expect(bomb.length).toBeLessThan(200_000);
    const { srv } = await encodedServer(bomb, "gzip");
    const client = fx.client();
    const small = await client.fetch(srv.url(), { maxBodySize: 1024 * 1024 }).catch((e) => e);
    expect(small).toBeInstanceOf(HTTPResponseTooLargeError);
    expect(small.message).toMatch(/decompressed/);
    const byDefault = await client.fetch(srv.url()).catch((e) => e);
    expect(byDefault).toBeInstanceOf(HTTPResponseTooLargeError);
    expect(byDefault.limit).toBe("maxBodySize");
  });

  it("corrupt gzip data fails with HTTPMalformedResponseError", async () => {
    const gz = gzipSync(text);
    gz.fill(0x41, 20, 60);
    const { srv } = await encodedServer(gz, "gzip");
    const client = fx.client();
    const err = await client.fetch(srv.url()).catch((e) => e);
    expect(err).toBeInstanceOf(HTTPMalformedResponseError);
    expect(err.message).toMatch(/corrupt gzip/);
  });

  it("an unknown coding (br) is passed through undecoded", async () => {
    const { srv } = await encodedServer(Buffer.from("not really brotli"), "br");
    const client = fx.client();
    const res = await client.fetch(srv.url());
    expect(res.headers.get("content-encoding")).toBe("br");
    expect(res.text()).toBe("not really brotli");
  });
});
