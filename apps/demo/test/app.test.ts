// The demo's pages and APIs, served in-process on port 0 and queried with fetch and a ws client.

import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { CookieJar, type InProcessDemo, startInProcess, waitFor } from "./helpers.js";

/** A JSON frame of the chat socket. */
interface Frame {
  type?: string;
  error?: string;
  messages?: { id: string; body: string; from: string; via: string }[];
}

let app: InProcessDemo;
let uploadDir: string;
const openSockets = new Set<WebSocket>();

beforeEach(async () => {
  uploadDir = await mkdtemp(join(tmpdir(), "t-demo-test-"));
  app = await startInProcess({ uploadDir, maxUploadBytes: 4 * 1024 * 1024, pollTimeoutMs: 3000 });
});

afterEach(async () => {
  for (const ws of openSockets) ws.terminate();
  openSockets.clear();
  await app.close();
  await rm(uploadDir, { recursive: true, force: true });
});

/** The _xsrf cookie and a form token for it, from a GET of `path`. */
async function xsrf(jar: CookieJar, path = "/login"): Promise<string> {
  const res = await jar.fetch(`${app.url}${path}`);
  const html = await res.text();
  const m = /name="_xsrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error(`no _xsrf field in ${path}`);
  return m[1];
}

const inboxes = new WeakMap<WebSocket, { frames: Frame[]; wake: (() => void) | null }>();

function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers });
  openSockets.add(ws);
  // Collect frames from the start: the backlog can arrive in the same read as the handshake.
  const inbox = { frames: [] as Frame[], wake: null as (() => void) | null };
  inboxes.set(ws, inbox);
  ws.on("message", (raw) => {
    inbox.frames.push(JSON.parse(String(raw)));
    inbox.wake?.();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("WebSocket open timed out")), 5000);
    ws.once("open", () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** The next JSON frame from `ws` matching `pred` (earlier frames are consumed), within 5 s. */
async function nextFrame(ws: WebSocket, pred: (data: Frame) => boolean): Promise<Frame> {
  const inbox = inboxes.get(ws);
  if (!inbox) throw new Error("not a socket from openSocket");
  const until = Date.now() + 5000;
  for (;;) {
    while (inbox.frames.length > 0) {
      const data = inbox.frames.shift();
      if (pred(data)) return data;
    }
    const left = until - Date.now();
    if (left <= 0) throw new Error("no matching WebSocket frame within 5 s");
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      inbox.wake = () => {
        clearTimeout(timer);
        inbox.wake = null;
        resolve();
      };
    });
  }
}

describe("hello and errors", () => {
  it("GET /hello answers plain text with the instance header", async () => {
    const res = await fetch(`${app.url}/hello?name=tornado`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(res.headers.get("x-instance")).toBe(app.demo.context.instance);
    expect(await res.text()).toBe("Hello, tornado");
  });

  it("the home page links every demo and unknown paths get a 404 with the instance header", async () => {
    const home = await (await fetch(`${app.url}/`)).text();
    for (const href of ["/chat", "/upload", "/healthz", "/metrics", "/me"]) {
      expect(home).toContain(`href="${href}`);
    }
    const res = await fetch(`${app.url}/no/such/page`);
    expect(res.status).toBe(404);
    expect(res.headers.get("x-instance")).toBe(app.demo.context.instance);
  });
});

describe("chat", () => {
  it("a long poll waits and two waiting clients both get the message another client posts", async () => {
    const jar = new CookieJar();
    const token = await xsrf(jar, "/chat");
    const pollA = fetch(`${app.url}/chat/updates?cursor=`).then((r) => r.json());
    const pollB = fetch(`${app.url}/chat/updates`).then((r) => r.json());
    await waitFor("two waiters", () => app.demo.context.buffer.waiters.size === 2, 5000);
    const post = await jar.fetch(`${app.url}/chat/new`, {
      method: "POST",
      body: new URLSearchParams({ _xsrf: token, body: "hello <everyone>" }),
    });
    expect(post.status).toBe(200);
    const { message } = await post.json();
    expect(message).toMatchObject({ from: "guest", body: "hello <everyone>" });
    const [a, b] = await Promise.all([pollA, pollB]);
    expect(a.messages).toEqual([message]);
    expect(b.messages).toEqual([message]); // answered by the post (a timeout answers [])

    // The cursor: nothing new after the message, everything after an unknown cursor.
    const since = fetch(`${app.url}/chat/updates?cursor=${message.id}`).then((r) => r.json());
    await waitFor("a waiter on the cursor", () => app.demo.context.buffer.waiters.size === 1, 5000);
    const second = await jar.fetch(`${app.url}/chat/new`, {
      method: "POST",
      body: new URLSearchParams({ _xsrf: token, body: "second" }),
    });
    const secondMessage = (await second.json()).message;
    expect((await since).messages).toEqual([secondMessage]);
    const all = await (await fetch(`${app.url}/chat/updates?cursor=unknown`)).json();
    expect(all.messages.map((m: { body: string }) => m.body)).toEqual([
      "hello <everyone>",
      "second",
    ]);

    // The page renders the cache escaped.
    const page = await (await fetch(`${app.url}/chat`)).text();
    expect(page).toContain("hello &lt;everyone&gt;");
    expect(page).not.toContain("hello <everyone>");
  });

  it("a long poll ends with no messages after the poll timeout, and a client that leaves is forgotten", async () => {
    const started = Date.now();
    const res = await fetch(`${app.url}/chat/updates?cursor=`);
    expect(await res.json()).toEqual({ messages: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900);

    const aborter = new AbortController();
    const gone = fetch(`${app.url}/chat/updates`, { signal: aborter.signal }).catch(() => null);
    await waitFor("the waiter", () => app.demo.context.buffer.waiters.size === 1, 5000);
    aborter.abort();
    await gone;
    await waitFor(
      "the waiter to be dropped",
      () => app.demo.context.buffer.waiters.size === 0,
      5000,
    );
  });

  it("posting without the XSRF token is refused with 403", async () => {
    const res = await fetch(`${app.url}/chat/new`, {
      method: "POST",
      body: new URLSearchParams({ body: "forged" }),
    });
    expect(res.status).toBe(403);
    expect(app.demo.context.buffer.cache).toHaveLength(0);
  });

  it("WebSocket clients get the backlog, then messages posted over a socket or by HTTP", async () => {
    const jar = new CookieJar();
    const token = await xsrf(jar, "/chat");
    await jar.fetch(`${app.url}/chat/new`, {
      method: "POST",
      body: new URLSearchParams({ _xsrf: token, body: "before" }),
    });
    const wsUrl = `${app.url.replace("http", "ws")}/chat/socket`;
    const origin = { Origin: app.url };
    const alice = await openSocket(wsUrl, origin);
    const backlog = await nextFrame(alice, (d) => d.type === "messages");
    expect(backlog.messages.map((m: { body: string }) => m.body)).toEqual(["before"]);
    const bob = await openSocket(`${wsUrl}?cursor=${backlog.messages[0].id}`, origin);
    const bobBacklog = await nextFrame(bob, (d) => d.type === "messages");
    expect(bobBacklog.messages).toEqual([]);

    const poll = fetch(`${app.url}/chat/updates?cursor=${backlog.messages[0].id}`).then((r) =>
      r.json(),
    );
    await waitFor("the long poll", () => app.demo.context.buffer.waiters.size === 1, 5000);
    const bobGets = nextFrame(bob, (d) => d.messages?.[0]?.body === "over the socket");
    alice.send(JSON.stringify({ body: "over the socket" }));
    const frame = await bobGets;
    expect(frame.messages[0]).toMatchObject({ from: "guest", via: app.demo.context.instance });
    expect((await poll).messages[0].body).toBe("over the socket"); // the long-poll room is the same room

    const aliceGets = nextFrame(alice, (d) => d.messages?.[0]?.body === "over http");
    await jar.fetch(`${app.url}/chat/new`, {
      method: "POST",
      body: new URLSearchParams({ _xsrf: token, body: "over http" }),
    });
    await aliceGets;
  });

  it("a WebSocket from a foreign origin is refused, and a malformed frame closes with 1003", async () => {
    const wsUrl = `${app.url.replace("http", "ws")}/chat/socket`;
    await expect(openSocket(wsUrl, { Origin: "http://evil.example" })).rejects.toThrow(/403/);
    const ws = await openSocket(wsUrl, { Origin: app.url });
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    ws.send("not json");
    expect(await closed).toBe(1003);
  });
});

describe("upload", () => {
  it("a raw PUT body is streamed to a file whose size and hash match, listed afterwards", async () => {
    const jar = new CookieJar();
    const token = await xsrf(jar, "/upload");
    const body = randomBytes(3 * 1024 * 1024 + 123);
    const res = await jar.fetch(
      `${app.url}/upload/${encodeURIComponent("../../etc/my file.bin")}`,
      {
        method: "PUT",
        headers: { "X-XSRFToken": token, "Content-Type": "application/octet-stream" },
        body,
      },
    );
    expect(res.status).toBe(201);
    const entry = await res.json();
    expect(entry.name).toBe("my file.bin");
    expect(entry.size).toBe(body.length);
    expect(entry.sha256).toBe(createHash("sha256").update(body).digest("hex"));
    expect(entry.path).toBeUndefined(); // the server's paths are not shown
    const stored = (await readdir(uploadDir)).filter((n) => n.endsWith("-my file.bin"));
    expect(stored).toHaveLength(1);
    expect((await stat(join(uploadDir, stored[0]))).size).toBe(body.length);
    expect((await readFile(join(uploadDir, stored[0]))).equals(body)).toBe(true);
    const list = await (await fetch(`${app.url}/upload/list`)).json();
    expect(list.uploads).toEqual([entry]);
  });

  it("the body reaches the handler in chunks while it is being sent (streamed, not buffered)", async () => {
    const jar = new CookieJar();
    const token = await xsrf(jar, "/upload");
    const { port } = new URL(app.url);
    const chunk = Buffer.alloc(256 * 1024, 7);
    const req = httpRequest({
      host: "127.0.0.1",
      port,
      method: "PUT",
      path: "/upload/slow.bin",
      headers: {
        "X-XSRFToken": token,
        Cookie: jar.header(),
        "Content-Length": String(chunk.length * 2),
      },
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
    req.write(chunk);
    // The first half is on disk before the second half was even sent.
    const partial = await waitFor(
      "the first half on disk",
      async () => {
        const names = (await readdir(uploadDir)).filter((n) => n.startsWith(".partial-"));
        if (names.length !== 1) return null;
        const s = await stat(join(uploadDir, names[0]));
        return s.size === chunk.length ? names[0] : null;
      },
      5000,
    );
    expect(partial).toMatch(/^\.partial-/);
    req.end(chunk);
    const { status, body } = await response;
    expect(status).toBe(201);
    expect(JSON.parse(body).size).toBe(chunk.length * 2);
  });

  it("without the XSRF header the upload is refused with 403, above the limit with 413", async () => {
    const denied = await fetch(`${app.url}/upload/x.bin`, { method: "PUT", body: "data" });
    expect(denied.status).toBe(403);
    const jar = new CookieJar();
    const token = await xsrf(jar, "/upload");
    const tooBig = await jar
      .fetch(`${app.url}/upload/big.bin`, {
        method: "PUT",
        headers: { "X-XSRFToken": token },
        body: Buffer.alloc(5 * 1024 * 1024),
      })
      .catch((err) => err);
    if (tooBig instanceof Response) expect(tooBig.status).toBe(413);
    else
      expect(String(tooBig.cause ?? tooBig)).toMatch(/other side closed|ECONNRESET|EPIPE|socket/i);
    const list = await (await fetch(`${app.url}/upload/list`)).json();
    expect(list.uploads).toEqual([]);
  });
});

describe("static files", () => {
  it("pages link versioned URLs that are cached for ten years, with ETags and 304s", async () => {
    const page = await (await fetch(`${app.url}/chat`)).text();
    const m = /src="(\/static\/chat\.js\?v=([0-9a-f]+))"/.exec(page);
    expect(m).not.toBeNull();
    const [, url, version] = m as RegExpExecArray;
    expect(page).toMatch(/href="\/static\/style\.css\?v=[0-9a-f]+"/);
    const res = await fetch(`${app.url}${url}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain("/chat/updates");
    expect(res.headers.get("content-type")).toMatch(/javascript/);
    expect(res.headers.get("cache-control")).toBe("max-age=315360000");
    expect(res.headers.get("x-instance")).toBe(app.demo.context.instance);
    const etag = res.headers.get("etag");
    expect(etag).toBeTruthy();
    expect(createHash("sha512").update(text).digest("hex").startsWith(version.slice(0, 16))).toBe(
      true,
    );
    const again = await fetch(`${app.url}${url}`, { headers: { "If-None-Match": etag as string } });
    expect(again.status).toBe(304);
    const unversioned = await fetch(`${app.url}/static/chat.js`);
    expect(unversioned.headers.get("cache-control")).not.toBe("max-age=315360000");
    expect((await fetch(`${app.url}/static/../src/main.mjs`)).status).not.toBe(200);
  });
});

describe("login", () => {
  it("logs in through the XSRF-protected form, keeps the user in a signed cookie, logs out", async () => {
    const jar = new CookieJar();
    const anonymous = await jar.fetch(`${app.url}/me`);
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get("location")).toBe("/login?next=%2Fme");

    const token = await xsrf(jar, "/login?next=%2Fme");
    const noToken = await jar.fetch(`${app.url}/login`, {
      method: "POST",
      body: new URLSearchParams({ name: "ann", next: "/me" }),
    });
    expect(noToken.status).toBe(403);
    expect(jar.cookies.has("user")).toBe(false);

    const bad = await jar.fetch(`${app.url}/login`, {
      method: "POST",
      body: new URLSearchParams({ _xsrf: token, name: "<script>", next: "/me" }),
    });
    expect(bad.status).toBe(400);

    const ok = await jar.fetch(`${app.url}/login`, {
      method: "POST",
      body: new URLSearchParams({ _xsrf: token, name: "ann", next: "/me" }),
    });
    expect(ok.status).toBe(302);
    expect(ok.headers.get("location")).toBe("/me");
    expect(ok.headers.getSetCookie().join("\n")).toMatch(/user=.*HttpOnly/i);
    expect(await (await jar.fetch(`${app.url}/me`)).json()).toEqual({ user: "ann" });
    expect(await (await jar.fetch(`${app.url}/chat`)).text()).toContain("<strong>ann</strong>");

    // A forged cookie is not a login.
    const forged = new CookieJar();
    const signed = jar.cookies.get("user") as string;
    const bob = Buffer.from("bob").toString("base64");
    const swapped = signed.replace(
      /\|\d+:[A-Za-z0-9+/=]+\|([0-9a-f]+)("?)$/,
      `|${bob.length}:${bob}|$1$2`,
    );
    expect(swapped).not.toBe(signed);
    forged.cookies.set("user", swapped);
    expect((await forged.fetch(`${app.url}/me`)).status).toBe(302);

    // An open redirect is not possible.
    const away = await jar.fetch(`${app.url}/login`, {
      method: "POST",
      body: new URLSearchParams({ _xsrf: token, name: "ann", next: "//evil.example/" }),
    });
    expect(away.headers.get("location")).toBe("/");

    const out = await jar.fetch(`${app.url}/logout`, {
      method: "POST",
      body: new URLSearchParams({ _xsrf: token }),
    });
    expect(out.status).toBe(302);
    expect(jar.cookies.has("user")).toBe(false);
    expect((await jar.fetch(`${app.url}/me`)).status).toBe(302);
  });
});

describe("operations", () => {
  it("/healthz tells which process answered and the client address it saw", async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      status: "ok",
      pid: process.pid,
      instance: app.demo.context.instance,
      chatBackend: "memory",
      remoteIp: "127.0.0.1",
      protocol: "http",
    });
  });

  it("/metrics exposes requests by method/route/status, latency, connections, loop lag and process metrics", async () => {
    await fetch(`${app.url}/hello`);
    await fetch(`${app.url}/hello`);
    await fetch(`${app.url}/nowhere`);
    // Scrape until the first loop-lag sample (taken every 500 ms) is in.
    let res: Response | null = null;
    const text = await waitFor("a loop-lag sample in /metrics", async () => {
      res = await fetch(`${app.url}/metrics`);
      const body = await res.text();
      return /^t_ioloop_lag_seconds_histogram_count\{worker="0"\} [1-9]/m.test(body) ? body : "";
    });
    expect((res as Response | null)?.status).toBe(200);
    expect((res as Response | null)?.headers.get("content-type")).toMatch(
      /^text\/plain; version=0\.0\.4/,
    );
    expect(text).toMatch(
      /^http_requests_total\{method="GET",route="hello",status="200",worker="0"\} 2$/m,
    );
    expect(text).toMatch(
      /^http_requests_total\{method="GET",route="unmatched",status="404",worker="0"\} 1$/m,
    );
    expect(text).toMatch(
      /^http_request_duration_seconds_count\{worker="0",method="GET",route="hello"\} 2$/m,
    );
    expect(text).toMatch(
      /^http_request_duration_seconds_bucket\{le="\+Inf",worker="0",method="GET",route="hello"\} 2$/m,
    );
    const open = /^http_open_connections\{worker="0"\} (\d+)$/m.exec(text);
    expect(Number(open?.[1])).toBeGreaterThanOrEqual(1); // at least this scrape's connection
    expect(text).toMatch(/^t_ioloop_lag_seconds\{worker="0"\} [\d.e-]+$/m);
    expect(text).toMatch(/^t_ioloop_lag_seconds_histogram_count\{worker="0"\} [1-9]\d*$/m);
    expect(text).toMatch(/^process_cpu_seconds_total\{worker="0"\} /m);
    expect(text).toMatch(/^nodejs_heap_size_used_bytes\{worker="0"\} /m);
  });

  it("shutdown ends waiting long polls at once, closes WebSockets with 1001 and turns /healthz to 503", async () => {
    const poll = fetch(`${app.url}/chat/updates`).then((r) => r.json());
    const ws = await openSocket(`${app.url.replace("http", "ws")}/chat/socket`, {
      Origin: app.url,
    });
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    await waitFor("the waiter", () => app.demo.context.buffer.waiters.size === 1, 5000);
    // A deadline beyond the test's own timeout: finishing proves nothing waited for it.
    const done = app.demo.server.shutdown({ deadlineMs: 600_000 });
    expect(await poll).toEqual({ messages: [] });
    expect(await closed).toBe(1001);
    await done;
    await expect(fetch(`${app.url}/healthz`)).rejects.toThrow();
  });
});
