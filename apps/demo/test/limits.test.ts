// The demo's resource limits: bounded metric labels and log lines, slow chat readers closed,
// long polls capped, uploads deleted and under a byte quota.

import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm, stat } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { IOLoop } from "@t/ioloop";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { createDemo, type DemoOptions } from "../src/app.mjs";
import { CookieJar, type InProcessDemo, startInProcess, waitFor } from "./helpers.js";

let app: InProcessDemo | null = null;
let uploadDir: string;
const sockets = new Set<WebSocket>();

beforeEach(async () => {
  uploadDir = await mkdtemp(join(tmpdir(), "t-demo-limits-"));
});

afterEach(async () => {
  for (const ws of sockets) ws.terminate();
  sockets.clear();
  await app?.close();
  app = null;
  await rm(uploadDir, { recursive: true, force: true });
});

async function start(options: DemoOptions = {}, logger?: Parameters<typeof startInProcess>[1]) {
  app = await startInProcess({ uploadDir, pollTimeoutMs: 20_000, ...options }, logger);
  return app;
}

/** One request on its own connection; resolves with the status code and the whole response. */
function rawRequest(url: string, head: string): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => sock.destroy(new Error("raw request timed out")), 15_000);
    sock.on("data", (d) => chunks.push(d));
    sock.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on("end", () => {
      clearTimeout(timer);
      sock.destroy();
      const text = Buffer.concat(chunks).toString("latin1");
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    sock.write(head);
  });
}

/** The _xsrf cookie and token (double submit) for the upload API. */
async function xsrf(jar: CookieJar): Promise<string> {
  const html = await (await jar.fetch(`${(app as InProcessDemo).url}/upload`)).text();
  const m = /name="_xsrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error("no _xsrf field");
  return m[1];
}

/** Files (not partial uploads) in the upload directory and their total size. */
async function filesOnDisk(): Promise<{ names: string[]; bytes: number }> {
  const names = (await readdir(uploadDir)).filter((n) => !n.startsWith(".partial-"));
  let bytes = 0;
  for (const n of names) bytes += (await stat(join(uploadDir, n))).size;
  return { names, bytes };
}

/** A PUT whose body is sent by the caller; `length` null sends it chunked. */
function openUpload(
  jar: CookieJar,
  token: string,
  name: string,
  length: number | null,
): {
  req: ReturnType<typeof httpRequest>;
  response: Promise<{ status: number; body: string }>;
} {
  const { port } = new URL((app as InProcessDemo).url);
  const headers: Record<string, string> = { "X-XSRFToken": token, Cookie: jar.header() };
  if (length !== null) headers["Content-Length"] = String(length);
  const req = httpRequest({
    host: "127.0.0.1",
    port,
    method: "PUT",
    path: `/upload/${name}`,
    headers,
    agent: false,
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on("response", (res) => {
      let text = "";
      res.on("data", (d) => {
        text += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
  });
  response.catch(() => {});
  return { req, response };
}

describe("metrics and access log", () => {
  it("unknown methods are counted in one `other` series, not one per method", async () => {
    const demo = await start();
    for (let i = 0; i < 20; i++) {
      const method = `M${String(i).padStart(4, "0")}${"X".repeat(200)}`;
      const res = await rawRequest(
        demo.url,
        `${method} /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      );
      expect(res.status).toBe(405);
    }
    await rawRequest(
      demo.url,
      "OPTIONS /hello HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
    );
    await fetch(`${demo.url}/hello`);
    const text = await (await fetch(`${demo.url}/metrics`)).text();
    const series = text
      .split("\n")
      .filter((l) => l.startsWith("http_requests_total{") && l.includes('route="hello"'));
    expect(series.sort()).toEqual([
      'http_requests_total{method="GET",route="hello",status="200",worker="0"} 1',
      'http_requests_total{method="OPTIONS",route="hello",status="405",worker="0"} 1',
      'http_requests_total{method="other",route="hello",status="405",worker="0"} 20',
    ]);
    expect(text).not.toContain("XXXX");
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{worker="0",method="other",route="hello"\} 20$/m,
    );
  });

  it("the access log clips long methods and URIs", async () => {
    const lines: string[] = [];
    const keep = (a: unknown, b?: string) => {
      lines.push(typeof a === "string" ? a : String(b ?? ""));
    };
    const logger = { debug() {}, info: keep, warn: keep, error: keep };
    const demo = await start({ accessLog: true }, logger);
    const method = `LONG${"M".repeat(5000)}`;
    const uri = `/hello?q=${"u".repeat(20_000)}`;
    const res = await rawRequest(
      demo.url,
      `${method} ${uri} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
    );
    expect(res.status).toBe(405);
    const line = await waitFor("the access line", () => lines.find((l) => l.startsWith("405 ")));
    expect(line.length).toBeLessThan(1024);
    expect(line).toContain("LONGMMMM");
    expect(line).toContain("/hello?q=uuuu");
    expect(line).toMatch(/…\[\+\d+ chars\]/);
    expect(line).toMatch(/\(127\.0\.0\.1\) [\d.]+ms$/);
    expect(lines.every((l) => l.length < 2048)).toBe(true);
  });
});

describe("chat", () => {
  /** A ws client that collects frames; `read: false` pauses it right after the handshake. */
  function chatSocket(url: string, read: boolean) {
    const ws = new WebSocket(`${url.replace("http", "ws")}/chat/socket`, {
      headers: { Origin: url },
    });
    sockets.add(ws);
    const bodies: string[] = [];
    let closeCode: number | null = null;
    ws.on("message", (raw) => {
      const frame = JSON.parse(String(raw));
      for (const m of frame.messages ?? []) bodies.push(m.body);
    });
    ws.on("close", (code) => {
      closeCode = code;
    });
    const opened = new Promise<void>((resolve, reject) => {
      ws.once("open", () => {
        if (!read) ws.pause();
        resolve();
      });
      ws.once("error", reject);
    });
    return { ws, bodies, opened, closeCode: () => closeCode };
  }

  it("a subscriber that does not read is closed once its buffer passes the limit; a reading one keeps receiving", async () => {
    const limit = 64 * 1024;
    const demo = await start({ chatMaxBufferedBytes: limit });
    const { sockets: handlers } = demo.demo.context;
    const reader = chatSocket(demo.url, true);
    await reader.opened;
    await waitFor("the reader's handler", () => handlers.size === 1);
    const readerHandler = [...handlers][0];
    const slow = chatSocket(demo.url, false);
    await slow.opened;
    await waitFor("the slow socket's handler", () => handlers.size === 2);
    const slowHandler = [...handlers].find((h) => h !== readerHandler);
    if (!slowHandler?.wsConnection) throw new Error("no slow handler");
    const slowConn = slowHandler.wsConnection;

    // "€" is 3 bytes of UTF-8: each message goes out as a frame of about 6 KB. Without a limit
    // 3000 of them (18 MB) would sit in the slow socket's write queue, past what the kernel's
    // socket buffers hold.
    const filler = "€".repeat(1990);
    let posted = 0;
    let maxQueued = 0;
    while (!slowConn.closing && posted < 3000) {
      for (let i = 0; i < 50; i++)
        reader.ws.send(JSON.stringify({ body: `${posted++} ${filler}` }));
      const last = `${posted - 1} ${filler}`;
      await waitFor("the reader to get the batch", () => reader.bodies.at(-1) === last, 30_000, 5);
      maxQueued = Math.max(maxQueued, slowConn.stream.writeBufferSize);
    }
    expect(slowConn.closing).toBe(true);
    // Checked before each send: at most the limit plus one message frame plus the close frame.
    expect(maxQueued).toBeLessThanOrEqual(limit + 8 * 1024);
    expect(slowConn.stream.writeBufferSize).toBeLessThanOrEqual(limit + 8 * 1024);
    // The close frame cannot get through a peer that does not read: the close timeout ends it.
    await waitFor("the slow socket's stream to close", () => slowConn.closed, 30_000);
    expect(handlers.has(slowHandler)).toBe(false);
    expect(slow.bodies.length).toBeLessThan(posted);

    // The reader got every message and goes on getting new ones.
    expect(reader.bodies).toHaveLength(posted);
    reader.ws.send(JSON.stringify({ body: "after" }));
    await waitFor("the reader to get a new message", () => reader.bodies.at(-1) === "after");
    expect(readerHandler.wsConnection?.closing).toBe(false);
    expect(reader.closeCode()).toBeNull();
  });

  it("waiting long polls are capped: one more gets 503, a poll with messages to fetch still answers", async () => {
    const demo = await start({ maxLongPolls: 2 });
    const { buffer } = demo.demo.context;
    const a = fetch(`${demo.url}/chat/updates`).then((r) => r.json());
    const b = fetch(`${demo.url}/chat/updates`).then((r) => r.json());
    await waitFor("two waiting polls", () => buffer.waiters.size === 2);
    const refused = await fetch(`${demo.url}/chat/updates`);
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    await refused.text();
    expect(buffer.waiters.size).toBe(2);

    const message = { id: "m1", from: "t", body: "hi", time: Date.now(), via: "test" };
    demo.loop.addCallback(() => buffer.addMessage(message));
    expect((await a).messages).toEqual([message]);
    expect((await b).messages).toEqual([message]);

    const c = fetch(`${demo.url}/chat/updates?cursor=m1`).then((r) => r.json());
    const d = fetch(`${demo.url}/chat/updates?cursor=m1`).then((r) => r.json());
    await waitFor("two waiting polls again", () => buffer.waiters.size === 2);
    // Full, but this poll has a message to fetch: it does not wait, so it is answered.
    const behind = await fetch(`${demo.url}/chat/updates?cursor=`);
    expect(behind.status).toBe(200);
    expect((await behind.json()).messages).toEqual([message]);
    expect((await fetch(`${demo.url}/chat/updates?cursor=m1`)).status).toBe(503);
    const second = { ...message, id: "m2" };
    demo.loop.addCallback(() => buffer.addMessage(second));
    expect((await c).messages).toEqual([second]);
    expect((await d).messages).toEqual([second]);
  });
});

describe("uploads", () => {
  it("120 uploads leave the 100 newest files on disk and the list shows no server path", async () => {
    const demo = await start();
    const jar = new CookieJar();
    const token = await xsrf(jar);
    for (let i = 0; i < 120; i++) {
      const res = await jar.fetch(`${demo.url}/upload/f${i}.txt`, {
        method: "PUT",
        headers: { "X-XSRFToken": token },
        body: Buffer.alloc(1000, i),
      });
      expect(res.status).toBe(201);
      const entry = await res.json();
      expect(Object.keys(entry).sort()).toEqual(["name", "sha256", "size", "time"]);
    }
    const disk = await filesOnDisk();
    expect(disk.names).toHaveLength(100);
    expect(disk.bytes).toBe(100 * 1000);
    const text = await (await fetch(`${demo.url}/upload/list`)).text();
    expect(text).not.toContain(uploadDir);
    expect(text).not.toContain('"path"');
    const { uploads } = JSON.parse(text);
    expect(uploads).toHaveLength(100);
    expect(uploads[0]).toEqual({
      name: "f20.txt",
      size: 1000,
      sha256: createHash("sha256").update(Buffer.alloc(1000, 20)).digest("hex"),
      time: expect.any(Number),
    });
    expect(uploads.at(-1).name).toBe("f119.txt");
    expect(disk.names.some((n) => n.endsWith("-f19.txt"))).toBe(false);
    expect(disk.names.some((n) => n.endsWith("-f20.txt"))).toBe(true);
  });

  it("the oldest files make room under the byte quota", async () => {
    const demo = await start({ maxUploadBytes: 1024 * 1024, maxUploadTotalBytes: 2 * 1024 * 1024 });
    const jar = new CookieJar();
    const token = await xsrf(jar);
    for (const name of ["a.bin", "b.bin", "c.bin"]) {
      const res = await jar.fetch(`${demo.url}/upload/${name}`, {
        method: "PUT",
        headers: { "X-XSRFToken": token },
        body: Buffer.alloc(900 * 1024, 1),
      });
      expect(res.status).toBe(201);
    }
    const disk = await filesOnDisk();
    expect(disk.bytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(disk.names).toHaveLength(2);
    const { uploads } = await (await fetch(`${demo.url}/upload/list`)).json();
    expect(uploads.map((u: { name: string }) => u.name)).toEqual(["b.bin", "c.bin"]);
  });

  it("an upload that does not fit next to the uploads in progress is refused with 507", async () => {
    const mib = 1024 * 1024;
    const demo = await start({ maxUploadBytes: mib, maxUploadTotalBytes: 1.5 * mib });
    const jar = new CookieJar();
    const token = await xsrf(jar);
    // A 1 MiB upload in progress holds its share of the quota...
    const first = openUpload(jar, token, "first.bin", mib);
    first.req.write(Buffer.alloc(256 * 1024, 1));
    await waitFor("the first upload's partial file", async () => {
      const names = (await readdir(uploadDir)).filter((n) => n.startsWith(".partial-"));
      return names.length === 1 && (await stat(join(uploadDir, names[0]))).size === 256 * 1024;
    });
    // ...so a second 1 MiB one (declared) does not fit,
    const declared = openUpload(jar, token, "second.bin", mib);
    declared.req.end(Buffer.alloc(mib, 2));
    const refused = await declared.response;
    expect(refused.status).toBe(507);
    // nor does a chunked one once it grows past what is left,
    const chunked = openUpload(jar, token, "third.bin", null);
    for (let i = 0; i < 12; i++) chunked.req.write(Buffer.alloc(64 * 1024, 3));
    chunked.req.end();
    const chunkedRefused = await chunked.response;
    expect(chunkedRefused.status).toBe(507);
    // while one that fits is taken.
    const small = await jar.fetch(`${demo.url}/upload/small.bin`, {
      method: "PUT",
      headers: { "X-XSRFToken": token },
      body: Buffer.alloc(100 * 1024, 4),
    });
    expect(small.status).toBe(201);
    first.req.end(Buffer.alloc(mib - 256 * 1024, 1));
    expect((await first.response).status).toBe(201);
    const disk = await filesOnDisk();
    expect(disk.bytes).toBeLessThanOrEqual(1.5 * mib);
    expect((await readdir(uploadDir)).filter((n) => n.startsWith(".partial-"))).toEqual([]);
    const { uploads } = await (await fetch(`${demo.url}/upload/list`)).json();
    expect(uploads.map((u: { name: string }) => u.name)).toEqual(["small.bin", "first.bin"]);
  });
});

describe("upload reservations", () => {
  it("an upload in progress never deletes kept files: only a finished one makes room", async () => {
    const mib = 1024 * 1024;
    const demo = await start({ maxUploadBytes: mib, maxUploadTotalBytes: 1.5 * mib });
    const jar = new CookieJar();
    const token = await xsrf(jar);
    const kept = await jar.fetch(`${demo.url}/upload/kept.bin`, {
      method: "PUT",
      headers: { "X-XSRFToken": token },
      body: Buffer.alloc(900 * 1024, 1),
    });
    expect(kept.status).toBe(201);
    // A client declares 1 MiB (more than the room left next to kept.bin), sends a little, and
    // gives up: kept.bin must survive both.
    const greedy = openUpload(jar, token, "greedy.bin", mib);
    greedy.response.catch(() => {});
    greedy.req.write(Buffer.alloc(64 * 1024, 2));
    await waitFor("the greedy upload's partial file", async () =>
      (await readdir(uploadDir)).some((n) => n.startsWith(".partial-")),
    );
    const listed = async () =>
      ((await (await fetch(`${demo.url}/upload/list`)).json()).uploads as { name: string }[]).map(
        (u) => u.name,
      );
    expect(await listed()).toEqual(["kept.bin"]);
    greedy.req.destroy();
    await waitFor("the partial file removed", async () =>
      (await readdir(uploadDir)).every((n) => !n.startsWith(".partial-")),
    );
    expect(await listed()).toEqual(["kept.bin"]);
    expect((await filesOnDisk()).names).toHaveLength(1);
    // A finished upload does make room: kept.bin goes for a 900 KiB newcomer.
    const next = await jar.fetch(`${demo.url}/upload/next.bin`, {
      method: "PUT",
      headers: { "X-XSRFToken": token },
      body: Buffer.alloc(900 * 1024, 3),
    });
    expect(next.status).toBe(201);
    expect(await listed()).toEqual(["next.bin"]);
  });
});

describe("options", () => {
  it("bad limits are refused when the demo is built", () => {
    const loop = new IOLoop();
    try {
      const build = (o: DemoOptions) => () => createDemo({ uploadDir, ...o }, loop);
      expect(build({ maxUploadTotalBytes: 1.5 })).toThrow(TypeError);
      expect(build({ maxUploadTotalBytes: 0 })).toThrow(RangeError);
      expect(build({ maxUploadBytes: 2048, maxUploadTotalBytes: 1024 })).toThrow(
        /maxUploadBytes \(2048 bytes\) must not exceed maxUploadTotalBytes \(1024 bytes\)/,
      );
      expect(build({ chatMaxBufferedBytes: 0 })).toThrow(RangeError);
      expect(build({ maxLongPolls: -1 })).toThrow(RangeError);
      expect(build({ maxWriteBufferBytes: "big" as unknown as number })).toThrow(TypeError);
    } finally {
      loop.close(true);
    }
  });
});
