// StaticFileHandler serving from memory: getContent / getContentSize / getModifiedTime overridden.

import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HTTPError, type StaticContent, StaticFileHandler } from "../src/index.js";
import { WebFixture } from "./helpers.js";

/** Files kept in memory: absolute path (under "/mem") → bytes and modification time. */
const files = new Map<string, { body: Buffer; mtime: Date }>();
const big = Buffer.alloc(200_000);
for (let i = 0; i < big.length; i++) big[i] = i % 251;
const mtime = new Date("2021-05-06T07:08:09Z");
/** How many times the memory store was read, by path (proves the hooks are what is used). */
const reads = new Map<string, number>();

class MemoryStaticHandler extends StaticFileHandler {
  static override getContent(absolutePath: string, start?: number, end?: number): StaticContent {
    reads.set(absolutePath, (reads.get(absolutePath) ?? 0) + 1);
    const file = files.get(absolutePath);
    if (file === undefined) throw new Error(`no such file ${absolutePath}`);
    const body = file.body.subarray(start ?? 0, end ?? file.body.length);
    if (body.length <= 4096) return body;
    // Large bodies in pieces (a generator), as a database cursor would give them.
    return (function* () {
      for (let i = 0; i < body.length; i += 65_536) yield body.subarray(i, i + 65_536);
    })();
  }

  override async validateAbsolutePath(_root: string, absolutePath: string): Promise<string> {
    if (!files.has(absolutePath)) throw new HTTPError(404);
    return absolutePath;
  }

  override async getContentSize(): Promise<number> {
    return (files.get(this.absolutePath) as { body: Buffer }).body.length;
  }

  override async getModifiedTime(): Promise<Date | null> {
    return files.get(this.absolutePath)?.mtime ?? null;
  }
}

let fx: WebFixture;
beforeEach(async () => {
  files.clear();
  reads.clear();
  files.set("/mem/hello.txt", { body: Buffer.from("hello from memory"), mtime });
  files.set("/mem/big.bin", { body: big, mtime });
  fx = new WebFixture();
  await fx.serve([["/m/(.*)", MemoryStaticHandler, { path: "/mem" }]]);
});
afterEach(async () => {
  const bad = fx.logger.unexpected();
  await fx.dispose();
  expect(bad.map((e) => `${e.level}: ${e.msg}`)).toEqual([]);
});

describe("StaticFileHandler with getContent overridden (no disk)", () => {
  it("serves the bytes with Content-Type, Content-Length, the Etag of the content and Last-Modified", async () => {
    const res = await fx.fetch("/m/hello.txt");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("hello from memory");
    expect(res.headers.get("Content-Type")).toMatch(/^text\/plain/);
    expect(res.headers.get("Content-Length")).toBe("17");
    const sha = createHash("sha512").update("hello from memory").digest("hex");
    expect(res.headers.get("Etag")).toBe(`"${sha}"`);
    expect(res.headers.get("Last-Modified")).toBe(mtime.toUTCString());
    // Once for the Etag, once for the body: both went through getContent.
    expect(reads.get("/mem/hello.txt")).toBe(2);
  });

  it("answers 304 to If-None-Match and If-Modified-Since, 404 for unknown paths", async () => {
    const first = await fx.fetch("/m/hello.txt");
    await first.arrayBuffer();
    const etag = first.headers.get("Etag") as string;
    expect((await fx.fetch("/m/hello.txt", { headers: { "If-None-Match": etag } })).status).toBe(
      304,
    );
    const ims = { "If-Modified-Since": new Date(mtime.getTime() + 1000).toUTCString() };
    expect((await fx.fetch("/m/hello.txt", { headers: ims })).status).toBe(304);
    const missing = await fx.fetch("/m/nope.txt");
    await missing.arrayBuffer();
    expect(missing.status).toBe(404);
    fx.logger.expect("warn", /404 GET \/m\/nope\.txt/);
  });

  it("serves ranges from memory: start-end, open-ended, suffix, and 416 past the end", async () => {
    const r1 = await fx.fetch("/m/big.bin", { headers: { Range: "bytes=100-199" } });
    expect(r1.status).toBe(206);
    expect(r1.headers.get("Content-Range")).toBe(`bytes 100-199/${big.length}`);
    expect(Buffer.from(await r1.arrayBuffer()).equals(big.subarray(100, 200))).toBe(true);

    const r2 = await fx.fetch("/m/big.bin", { headers: { Range: "bytes=70000-" } });
    expect(r2.status).toBe(206);
    const b2 = Buffer.from(await r2.arrayBuffer());
    expect(b2.length).toBe(big.length - 70_000);
    expect(b2.equals(big.subarray(70_000))).toBe(true);

    const r3 = await fx.fetch("/m/hello.txt", { headers: { Range: "bytes=-6" } });
    expect(r3.status).toBe(206);
    expect(await r3.text()).toBe("memory");

    const r4 = await fx.fetch("/m/hello.txt", { headers: { Range: "bytes=100-" } });
    expect(r4.status).toBe(416);
    expect(r4.headers.get("Content-Range")).toBe("bytes */17");
    await r4.arrayBuffer();
    fx.logger.expect("warn", /416 GET \/m\/hello\.txt/);
  });

  it("streams a large body piece by piece and HEAD sends the length without a body", async () => {
    const res = await fx.fetch("/m/big.bin");
    expect(res.headers.get("Content-Length")).toBe(String(big.length));
    expect(Buffer.from(await res.arrayBuffer()).equals(big)).toBe(true);
    const head = await fx.fetch("/m/big.bin", { method: "HEAD" });
    expect(head.headers.get("Content-Length")).toBe(String(big.length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it("without a modification time there is no Last-Modified and If-Modified-Since is ignored", async () => {
    files.set("/mem/undated.txt", { body: Buffer.from("x"), mtime: null as unknown as Date });
    const res = await fx.fetch("/m/undated.txt", {
      headers: { "If-Modified-Since": new Date().toUTCString() },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("Last-Modified")).toBeNull();
    expect(await res.text()).toBe("x");
  });
});
