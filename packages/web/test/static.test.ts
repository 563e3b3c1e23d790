import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RequestHandler, StaticFileHandler } from "../src/index.js";
import { rawRequest, WebFixture } from "./helpers.js";

let fx: WebFixture;
let base: string;
let root: string;
const robots = "User-agent: *\nDisallow: /\n";
const robotsHash = createHash("sha512").update(robots).digest("hex");
const big = randomBytes(1024 * 1024 + 123);
const mtime = new Date("2020-01-02T03:04:05Z");

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "t-web-static-"));
  root = join(base, "static");
  mkdirSync(join(root, "dir"), { recursive: true });
  writeFileSync(join(root, "robots.txt"), robots);
  utimesSync(join(root, "robots.txt"), mtime, mtime);
  writeFileSync(join(root, "dir", "index.html"), "<h1>index</h1>");
  writeFileSync(join(root, "big.bin"), big);
  writeFileSync(join(root, "app.css"), "body{}");
  writeFileSync(join(base, "static_foo.txt"), "secret outside root");
});
afterAll(() => {
  rmSync(base, { recursive: true, force: true });
});
beforeEach(() => {
  fx = new WebFixture();
});
afterEach(async () => {
  const bad = fx.logger.unexpected();
  await fx.dispose();
  expect(bad.map((e) => `${e.level}: ${e.msg}`)).toEqual([]);
});

class StaticUrl extends RequestHandler {
  override get(path: string) {
    this.write(this.staticUrl(path));
  }
}

async function serve(extra: Record<string, unknown> = {}) {
  await fx.serve(
    [
      ["/static_url/(.*)", StaticUrl],
      ["/dirs/(.*)", StaticFileHandler, { path: root, defaultFilename: "index.html" }],
      ["/root_static/(.*)", StaticFileHandler, { path: "/" }],
    ],
    { staticPath: root, ...extra },
  );
}

describe("StaticFileHandler", () => {
  it("serves a file with type, length, Etag, Last-Modified and Accept-Ranges", async () => {
    await serve();
    const res = await fx.fetch("/static/robots.txt");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(robots);
    expect(res.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(res.headers.get("content-length")).toBe(String(robots.length));
    expect(res.headers.get("etag")).toBe(`"${robotsHash}"`);
    expect(res.headers.get("last-modified")).toBe(mtime.toUTCString());
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("cache-control")).toBeNull();
  });

  it("also serves /robots.txt and /favicon.ico routes from staticPath", async () => {
    await serve();
    expect(await (await fx.fetch("/robots.txt")).text()).toBe(robots);
    const fav = await fx.fetch("/favicon.ico");
    expect(fav.status).toBe(404);
    await fav.text();
    fx.logger.expect("warn", /^404 GET \/favicon\.ico/);
  });

  it("answers HEAD with the headers and no body", async () => {
    await serve();
    const res = await fx.fetch("/static/robots.txt", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-length")).toBe(String(robots.length));
    expect(await res.text()).toBe("");
  });

  it("builds staticUrl with the sha512 version and caches ?v= URLs for ten years", async () => {
    await serve();
    expect(await (await fx.fetch("/static_url/robots.txt")).text()).toBe(
      `/static/robots.txt?v=${robotsHash}`,
    );
    expect(await (await fx.fetch("/static_url/missing.txt")).text()).toBe("/static/missing.txt");
    const res = await fx.fetch(`/static/robots.txt?v=${robotsHash}`);
    expect(res.headers.get("cache-control")).toBe(`max-age=${86400 * 365 * 10}`);
    const expires = Date.parse(res.headers.get("expires") ?? "");
    expect(expires).toBeGreaterThan(Date.now() + 86400 * 365 * 9 * 1000);
    await res.text();
  });

  it("answers 304 to a matching If-None-Match and to a current If-Modified-Since", async () => {
    await serve();
    const a = await fx.fetch("/static/robots.txt", {
      headers: { "If-None-Match": `"${robotsHash}"` },
    });
    expect(a.status).toBe(304);
    expect(await a.text()).toBe("");
    const b = await fx.fetch("/static/robots.txt", {
      headers: { "If-Modified-Since": mtime.toUTCString() },
    });
    expect(b.status).toBe(304);
    const older = new Date(mtime.getTime() - 1000).toUTCString();
    const c = await fx.fetch("/static/robots.txt", { headers: { "If-Modified-Since": older } });
    expect(c.status).toBe(200);
    await c.text();
    // If-None-Match takes precedence over If-Modified-Since.
    const d = await fx.fetch("/static/robots.txt", {
      headers: { "If-None-Match": '"other"', "If-Modified-Since": mtime.toUTCString() },
    });
    expect(d.status).toBe(200);
    await d.text();
  });

  it("serves byte ranges with 206 and Content-Range", async () => {
    await serve();
    const cases: [string, number, string, string | null][] = [
      ["bytes=0-9", 206, robots.slice(0, 10), `bytes 0-9/${robots.length}`],
      ["bytes=10-", 206, robots.slice(10), `bytes 10-${robots.length - 1}/${robots.length}`],
      [
        "bytes=-5",
        206,
        robots.slice(-5),
        `bytes ${robots.length - 5}-${robots.length - 1}/${robots.length}`,
      ],
      ["bytes=0-", 200, robots, null],
      ["bytes=-1000", 200, robots, null],
      ["bytes=3-10000", 206, robots.slice(3), `bytes 3-${robots.length - 1}/${robots.length}`],
      ["asdf", 200, robots, null],
      ["bytes=1-2,4-5", 200, robots, null],
    ];
    for (const [range, status, body, contentRange] of cases) {
      const res = await fx.fetch("/static/robots.txt", { headers: { Range: range } });
      expect([range, res.status]).toEqual([range, status]);
      expect(await res.text()).toBe(body);
      expect(res.headers.get("content-range")).toBe(contentRange);
      expect(res.headers.get("content-length")).toBe(String(Buffer.byteLength(body)));
    }
  });

  it("answers 416 to unsatisfiable ranges", async () => {
    await serve();
    for (const range of [`bytes=${robots.length}-`, "bytes=-0", "bytes=5-2"]) {
      const res = await fx.fetch("/static/robots.txt", { headers: { Range: range } });
      expect(res.status).toBe(416);
      expect(res.headers.get("content-range")).toBe(`bytes */${robots.length}`);
      expect(await res.text()).toBe("");
    }
    fx.logger.expect("warn", /^416 GET/);
  });

  it("refuses path traversal: ../, encoded ../ and absolute paths get 403", async () => {
    await serve();
    const paths = [
      "/static/../static_foo.txt",
      "/static/%2e%2e/static_foo.txt",
      "/static/%2E%2E%2Fstatic_foo.txt",
      "/static/dir/..%2f..%2fstatic_foo.txt",
      `/static/${encodeURIComponent(join(base, "static_foo.txt"))}`,
      "/static//etc/passwd",
    ];
    for (const p of paths) {
      const out = await rawRequest(
        fx.port,
        `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      expect([p, out.split("\r\n")[0]]).toEqual([p, "HTTP/1.1 403 Forbidden"]);
      expect(out).not.toContain("secret outside root");
    }
    expect(fx.logger.expect("warn", /is not in root static directory/)).toBe(paths.length);
    fx.logger.expect("warn", /^403 GET/);
  });

  it("allows a root of / for apps that validate paths themselves", async () => {
    await serve();
    const res = await fx.fetch(`/root_static${join(root, "robots.txt")}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(robots);
  });

  it("answers 404 for missing files and 403 for directories", async () => {
    await serve();
    const a = await fx.fetch("/static/nope.txt");
    expect(a.status).toBe(404);
    await a.text();
    const b = await fx.fetch("/static/dir");
    expect(b.status).toBe(403);
    await b.text();
    fx.logger.expect("warn", /^40[34] GET/);
    fx.logger.expect("warn", /is not a file/);
  });

  it("serves defaultFilename for directories, redirecting to add the slash", async () => {
    await serve();
    const a = await fx.fetch("/dirs/dir");
    expect(a.status).toBe(301);
    expect(a.headers.get("location")).toBe("/dirs/dir/");
    const b = await fx.fetch("/dirs/dir/");
    expect(await b.text()).toBe("<h1>index</h1>");
    expect(b.headers.get("content-type")).toBe("text/html; charset=utf-8");
  });

  it("streams a large file in chunks, byte-exact, and ranges inside it", async () => {
    await serve();
    const res = await fx.fetch("/static/big.bin");
    expect(res.headers.get("content-length")).toBe(String(big.length));
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(big)).toBe(true);
    const r = await fx.fetch("/static/big.bin", { headers: { Range: "bytes=100000-300000" } });
    expect(r.status).toBe(206);
    expect(Buffer.from(await r.arrayBuffer()).equals(big.subarray(100000, 300001))).toBe(true);
  });

  it("uses a custom staticUrlPrefix", async () => {
    await serve({ staticUrlPrefix: "/assets/" });
    expect(await (await fx.fetch("/static_url/app.css")).text()).toMatch(
      /^\/assets\/app\.css\?v=[0-9a-f]{128}$/,
    );
    expect(await (await fx.fetch("/assets/app.css")).text()).toBe("body{}");
  });
});

describe("StaticFileHandler with compressResponse", () => {
  it("gzips a large text file as a stream and serves it byte-exact", async () => {
    const text = "line of text\n".repeat(20_000);
    writeFileSync(join(root, "big.txt"), text);
    await serve({ compressResponse: true });
    const raw = await rawRequest(
      fx.port,
      "GET /static/big.txt HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
    );
    const head = raw.slice(0, raw.indexOf("\r\n\r\n"));
    expect(head).toContain("Content-Encoding: gzip");
    expect(head).toContain("Transfer-Encoding: chunked");
    expect(head).not.toContain("Content-Length");
    const res = await fx.fetch("/static/big.txt", { headers: { "Accept-Encoding": "gzip" } });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(await res.text()).toBe(text);
  });
});
