import { createHash } from "node:crypto";
import { connect } from "node:net";
import { gunzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type ErrorInfo,
  HTTPError,
  RedirectHandler,
  RequestHandler,
  ResponseFinishedError,
  streamRequestBody,
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

const LONG = "x".repeat(3000);

class Text extends RequestHandler {
  override get() {
    this.setHeader("Content-Type", this.getArgument("type", "text/plain"));
    this.write(this.getArgument("short", "") ? "short" : LONG);
  }
}

class Flushing extends RequestHandler {
  override async get() {
    this.setHeader("Content-Type", "text/plain");
    this.write(LONG);
    await this.flush();
    await new Promise((r) => setTimeout(r, 5));
    this.write("tail");
  }
}

describe("gzip (compressResponse)", () => {
  it("compresses compressible bodies for clients that accept gzip", async () => {
    await fx.serve([["/", Text]], { compressResponse: true });
    const raw = await rawRequest(
      fx.port,
      "GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
    );
    const [head, body] = [
      raw.slice(0, raw.indexOf("\r\n\r\n")),
      raw.slice(raw.indexOf("\r\n\r\n") + 4),
    ];
    expect(head).toContain("Content-Encoding: gzip");
    expect(head).toContain("Vary: Accept-Encoding");
    const len = Number(/Content-Length: (\d+)/.exec(head)?.[1]);
    expect(len).toBe(body.length);
    expect(len).toBeLessThan(LONG.length);
    expect(gunzipSync(Buffer.from(body, "latin1")).toString()).toBe(LONG);
  });

  it("leaves short bodies, other types and clients without gzip alone", async () => {
    await fx.serve([["/", Text]], { compressResponse: true });
    for (const [path, ae] of [
      ["/?short=1", "gzip"],
      ["/?type=image/png", "gzip"],
      ["/", "identity"],
    ]) {
      const raw = await rawRequest(
        fx.port,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: ${ae}\r\nConnection: close\r\n\r\n`,
      );
      expect(raw).not.toContain("Content-Encoding");
      expect(raw).toContain("Vary: Accept-Encoding");
    }
  });

  it("compresses a flushed (chunked) response as one gzip stream", async () => {
    await fx.serve([["/", Flushing]], { compressResponse: true });
    const res = await fx.fetch("/", { headers: { "Accept-Encoding": "gzip" } });
    expect(res.headers.get("content-encoding")).toBe("gzip");
    expect(await res.text()).toBe(`${LONG}tail`);
  });

  it("does not compress when the setting is off", async () => {
    await fx.serve([["/", Text]]);
    const raw = await rawRequest(
      fx.port,
      "GET / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n",
    );
    expect(raw).not.toContain("Content-Encoding");
  });
});

class Etagged extends RequestHandler {
  override get() {
    this.write("hello etag");
  }
}

describe("automatic ETag", () => {
  it("answers 304 without a body when If-None-Match matches, and 200 otherwise", async () => {
    await fx.serve([["/", Etagged]]);
    const first = await fx.fetch("/");
    const etag = first.headers.get("etag") as string;
    await first.text();
    const again = await fx.fetch("/", { headers: { "If-None-Match": etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get("content-type")).toBeNull();
    expect(await again.text()).toBe("");
    const weak = await fx.fetch("/", { headers: { "If-None-Match": `"zzz", W/${etag}` } });
    expect(weak.status).toBe(304);
    const other = await fx.fetch("/", { headers: { "If-None-Match": '"zzz"' } });
    expect(other.status).toBe(200);
    await other.text();
  });
});

/** Writes the `body` argument's parts (`|`-separated): each as a string, or as a Buffer when `buf`. */
class Parts extends RequestHandler {
  override get() {
    const asBuffer = this.getArgument("buf", "") !== "";
    for (const part of this.getArgument("body").split("|")) {
      this.write(asBuffer ? Buffer.from(part) : part);
    }
    if (this.getArgument("json", "") !== "") this.write({ n: 1 });
  }
}

describe("automatic ETag of changing bodies", () => {
  it("is the SHA-1 of the bytes sent, however they were written and in whatever order", async () => {
    await fx.serve([["/", Parts]]);
    const sha1 = (s: string) => `"${createHash("sha1").update(s).digest("hex")}"`;
    // The same text twice in a row (remembered), other texts between, the same bytes as a Buffer
    // and in two writes, and a JSON body (a string the handler made) twice.
    const cases: [string, string][] = [
      ["body=abc", "abc"],
      ["body=abc", "abc"],
      ["body=abd", "abd"],
      ["body=abc&buf=1", "abc"],
      ["body=ab|c", "abc"],
      ["body=abc|", "abc"],
      ["body=a|bc&buf=1", "abc"],
      ["body=abc", "abc"],
      ["body=x&json=1", 'x{"n":1}'],
      ["body=&json=1", '{"n":1}'],
      ["body=&json=1", '{"n":1}'],
      ["body=abc", "abc"],
    ];
    for (const [query, sent] of cases) {
      const res = await fx.fetch(`/?${query}`);
      expect(await res.text()).toBe(sent);
      expect([query, res.headers.get("etag")]).toEqual([query, sha1(sent)]);
    }
  });
});

/** Answers every method with `body`; `?touch=1` reads its headers first, `?json=1` writes an object. */
class Plain extends RequestHandler {
  static seen: string[][] = [];
  private answer() {
    if (this.getArgument("touch", "") !== "") void this.headers;
    if (this.getArgument("json", "") !== "") this.write({ a: 1 });
    else this.write("body");
  }
  override get() {
    this.answer();
  }
  override post() {
    this.answer();
  }
  override head() {
    this.answer();
  }
  override onFinish() {
    Plain.seen.push([...this.headers].flat());
  }
}

/** The head of a raw response, without its Date line. */
function headWithoutDate(raw: string): string {
  return raw
    .slice(0, raw.indexOf("\r\n\r\n"))
    .split("\r\n")
    .filter((l) => !l.startsWith("Date:"))
    .join("\n");
}

describe("the headers of an untouched response", () => {
  it("are the same whether or not the handler read its headers, in order, and what onFinish sees", async () => {
    await fx.serve([["/", Plain]]);
    const etag = `"${createHash("sha1").update("body").digest("hex")}"`;
    const jsonEtag = `"${createHash("sha1").update('{"a":1}').digest("hex")}"`;
    const cases: [string, string, string[]][] = [
      [
        "GET",
        "",
        ["Content-Type", "text/html; charset=UTF-8", "Etag", etag, "Content-Length", "4"],
      ],
      [
        "HEAD",
        "",
        ["Content-Type", "text/html; charset=UTF-8", "Etag", etag, "Content-Length", "4"],
      ],
      ["POST", "", ["Content-Type", "text/html; charset=UTF-8", "Content-Length", "4"]],
      [
        "GET",
        "json=1",
        [
          "Content-Type",
          "application/json; charset=UTF-8",
          "Etag",
          jsonEtag,
          "Content-Length",
          "7",
        ],
      ],
      [
        "POST",
        "json=1",
        ["Content-Type", "application/json; charset=UTF-8", "Content-Length", "7"],
      ],
    ];
    for (const [method, query, fields] of cases) {
      for (const touch of ["", "touch=1"]) {
        const q = [query, touch].filter((x) => x !== "").join("&");
        Plain.seen = [];
        const body = method === "POST" ? "Content-Length: 0\r\n" : "";
        const raw = await rawRequest(
          fx.port,
          `${method} /?${q} HTTP/1.1\r\nHost: x\r\n${body}Connection: close\r\n\r\n`,
        );
        const lines = ["HTTP/1.1 200 OK"];
        for (let i = 0; i < fields.length; i += 2) lines.push(`${fields[i]}: ${fields[i + 1]}`);
        lines.push("Connection: close");
        expect([method, q, headWithoutDate(raw)]).toEqual([method, q, lines.join("\n")]);
        await fx.waitFor(() => Plain.seen.length === 1);
        expect(Plain.seen[0]).toEqual(fields);
      }
    }
  });
});

class ChunkedWriter extends RequestHandler {
  override async get() {
    this.write("one,");
    await this.flush();
    this.write("two,");
    await this.flush();
    this.write("three");
  }
}

class Redirector extends RequestHandler {
  override get() {
    const kind = this.getArgument("kind");
    if (kind === "perm") this.redirect("/target", true);
    else if (kind === "303") this.redirect("/target", false, 303);
    else if (kind === "utf8") this.redirect("/caf\u00e9/x\u010d\u010aSet-Cookie: evil=1");
    else this.redirect("/target");
  }
}

class BadHeader extends RequestHandler {
  override get() {
    try {
      this.setHeader("X-Bad", "a\r\nSet-Cookie: evil=1");
    } catch (e) {
      this.write(`${(e as Error).name}`);
    }
    try {
      this.addHeader("X-Bad", "a\nb");
    } catch (e) {
      this.write(`,${(e as Error).name}`);
    }
    // Beyond latin1: heads go out one byte per character, so U+010D U+010A would become CR LF.
    try {
      this.setHeader("X-Bad", "x\u010d\u010aSet-Cookie: session=evil");
    } catch (e) {
      this.write(`,${(e as Error).name}`);
    }
    try {
      this.setCookie("a", "b", { path: "/\u010d\u010aX-Evil: 1" });
    } catch (e) {
      this.write(`,${(e as Error).name}`);
    }
    this.setHeader("X-Date", new Date(0));
    this.setHeader("X-Num", 5);
    this.addHeader("X-Multi", "1");
    this.addHeader("X-Multi", "2");
    this.setHeader("X-Cleared", "x");
    this.clearHeader("X-Cleared");
  }
}

class WriteAfterFinish extends RequestHandler {
  override get() {
    this.finish("done");
    try {
      this.write("more");
    } catch (e) {
      this.application.settings.caught = e instanceof ResponseFinishedError;
    }
  }
}

class ArrayWriter extends RequestHandler {
  override get() {
    this.write([1, 2] as unknown as Record<string, unknown>);
  }
}

class CustomError extends RequestHandler {
  override get() {
    throw new HTTPError(503, "down for maintenance");
  }
  override writeError(statusCode: number, info: ErrorInfo) {
    this.write({ code: statusCode, message: (info.error as HTTPError).logMessage });
  }
}

class SendError extends RequestHandler {
  override get() {
    this.write("partial that is discarded");
    this.sendError(402);
  }
}

describe("output", () => {
  it("flush() sends the head and chunks; the body arrives chunk-encoded", async () => {
    await fx.serve([["/", ChunkedWriter]]);
    const raw = await rawRequest(fx.port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", /0\r\n\r\n$/);
    expect(raw).toContain("Transfer-Encoding: chunked");
    expect(raw).toContain("4\r\none,\r\n");
    expect(raw.endsWith("5\r\nthree\r\n0\r\n\r\n")).toBe(true);
  });

  it("redirects with 302, 301 and a given 3xx", async () => {
    await fx.serve([["/r", Redirector]]);
    for (const [kind, status] of [
      ["temp", 302],
      ["perm", 301],
      ["303", 303],
    ] as const) {
      const res = await fx.fetch(`/r?kind=${kind}`);
      expect(res.status).toBe(status);
      expect(res.headers.get("location")).toBe("/target");
      await res.text();
    }
  });

  it("redirect percent-encodes non-ASCII, so no character can turn into CR or LF on the wire", async () => {
    await fx.serve([["/r", Redirector]]);
    const res = await fx.fetch("/r?kind=utf8");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/caf%C3%A9/x%C4%8D%C4%8ASet-Cookie: evil=1");
    expect(res.headers.get("set-cookie")).toBeNull();
    await res.text();
  });

  it("RedirectHandler fills groups into the URL and keeps the query", async () => {
    await fx.serve([
      [String.raw`/old/(\d+)/(\w+)`, RedirectHandler, { url: "/new/{1}/{0}" }],
      [String.raw`/tmp/(?<slug>\w+)`, RedirectHandler, { url: "/posts/{slug}", permanent: false }],
    ]);
    const a = await fx.fetch("/old/1/abc?x=1&y=2");
    expect(a.status).toBe(301);
    expect(a.headers.get("location")).toBe("/new/abc/1?x=1&y=2");
    const b = await fx.fetch("/tmp/hello");
    expect(b.status).toBe(302);
    expect(b.headers.get("location")).toBe("/posts/hello");
  });

  it("rejects header values with CR/LF and converts numbers and dates", async () => {
    await fx.serve([["/", BadHeader]]);
    const res = await fx.fetch("/");
    expect(await res.text()).toBe("TypeError,TypeError,TypeError,TypeError");
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(res.headers.get("x-evil")).toBeNull();
    expect(res.headers.get("x-bad")).toBeNull();
    expect(res.headers.get("set-cookie")).toBeNull();
    expect(res.headers.get("x-date")).toBe("Thu, 01 Jan 1970 00:00:00 GMT");
    expect(res.headers.get("x-num")).toBe("5");
    expect(res.headers.get("x-multi")).toBe("1, 2");
    expect(res.headers.get("x-cleared")).toBeNull();
  });

  it("write() after finish() throws ResponseFinishedError", async () => {
    const app = await fx.serve([["/", WriteAfterFinish]]);
    expect(await (await fx.fetch("/")).text()).toBe("done");
    expect(app.settings.caught).toBe(true);
  });

  it("write() refuses arrays (JSON hijacking) with a 500", async () => {
    await fx.serve([["/", ArrayWriter]]);
    const res = await fx.fetch("/");
    expect(res.status).toBe(500);
    await res.text();
    expect(fx.logger.expect("error", /Uncaught exception/)).toBe(1);
    fx.logger.expect("error", /^500/);
  });

  it("custom writeError pages and sendError discarding buffered output", async () => {
    await fx.serve([
      ["/custom", CustomError],
      ["/send", SendError],
    ]);
    const a = await fx.fetch("/custom");
    expect(a.status).toBe(503);
    expect(await a.json()).toEqual({ code: 503, message: "down for maintenance" });
    const b = await fx.fetch("/send");
    expect(b.status).toBe(402);
    expect(await b.text()).toBe(
      "<html><title>402: Payment Required</title><body>402: Payment Required</body></html>",
    );
    fx.logger.expect("warn", /down for maintenance|^40[0-9]/);
    fx.logger.expect("error", /^503/);
  });
});

class Upload extends RequestHandler {
  received = 0;
  chunks = 0;
  override prepare() {
    this.application.settings.prepared = true;
  }
  override async dataReceived(chunk: Buffer) {
    this.received += chunk.length;
    this.chunks++;
    if (this.chunks % 4 === 0) await new Promise((r) => setTimeout(r, 1));
  }
  override put() {
    this.write({
      received: this.received,
      chunks: this.chunks,
      bodyLength: this.request.body.length,
    });
  }
}
// The class decorator applied by hand (Node 20 cannot parse `@streamRequestBody` yet).
streamRequestBody(Upload);

class Collect extends RequestHandler {
  static override streamRequestBody = true;
  override post() {
    this.write(`${this.request.body.length}:${this.request.body.subarray(0, 5).toString()}`);
  }
}

describe("streamed request bodies", () => {
  it("feeds a large upload to dataReceived chunk by chunk without buffering it", async () => {
    const app = await fx.serve([["/up", Upload]], {}, { maxBodySize: 64 * 1024 * 1024 });
    const size = 8 * 1024 * 1024 + 7;
    const res = await fx.fetch("/up", { method: "PUT", body: Buffer.alloc(size, 1) });
    const out = await res.json();
    expect(out.received).toBe(size);
    expect(out.chunks).toBeGreaterThan(10);
    expect(out.bodyLength).toBe(0);
    expect(app.settings.prepared).toBe(true);
  });

  it("the default dataReceived collects the body into request.body", async () => {
    await fx.serve([["/c", Collect]]);
    const res = await fx.fetch("/c", { method: "POST", body: `hello${"z".repeat(100_000)}` });
    expect(await res.text()).toBe("100005:hello");
  });
});

class LongPoll extends RequestHandler {
  override async get() {
    this.autoFinish = false;
    this.application.settings.started = true;
  }
  override onConnectionClose() {
    this.application.settings.closed = (Number(this.application.settings.closed) || 0) + 1;
  }
}

class SlowUpload extends RequestHandler {
  override dataReceived() {
    this.application.settings.gotData = true;
  }
  override onConnectionClose() {
    this.application.settings.uploadClosed = true;
  }
  override put() {
    this.write("never");
  }
}

streamRequestBody(SlowUpload);

describe("onConnectionClose", () => {
  it("runs when the client disconnects during a long poll", async () => {
    const app = await fx.serve([["/poll", LongPoll]]);
    const sock = connect(fx.port, "127.0.0.1");
    sock.on("error", () => {});
    sock.write("GET /poll HTTP/1.1\r\nHost: x\r\n\r\n");
    await fx.waitFor(() => app.settings.started === true);
    sock.destroy();
    await fx.waitFor(() => app.settings.closed === 1);
    expect(app.settings.closed).toBe(1);
  });

  it("runs when the client disconnects in the middle of a streamed upload", async () => {
    const app = await fx.serve([["/up", SlowUpload]]);
    const sock = connect(fx.port, "127.0.0.1");
    sock.on("error", () => {});
    sock.write("PUT /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\nabc");
    await fx.waitFor(() => app.settings.gotData === true);
    sock.destroy();
    await fx.waitFor(() => app.settings.uploadClosed === true);
  });
});

class LateWriter extends RequestHandler {
  override async get() {
    this.application.settings.lateStarted = true;
    await new Promise((r) => setTimeout(r, 100));
    this.write("too late");
    await this.flush().catch(() => {
      this.application.settings.flushRejected = true;
    });
    this.application.settings.lateDone = true;
  }
}

describe("a client that leaves early", () => {
  it("lets the handler finish without crashing or answering anyone", async () => {
    const app = await fx.serve([
      ["/late", LateWriter],
      ["/ok", Etagged],
    ]);
    const sock = connect(fx.port, "127.0.0.1");
    sock.on("error", () => {});
    sock.write("GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
    await fx.waitFor(() => app.settings.lateStarted === true);
    sock.destroy();
    await fx.waitFor(() => app.settings.lateDone === true);
    expect(app.settings.flushRejected).toBe(true);
    // The server still serves new connections.
    expect(await (await fx.fetch("/ok")).text()).toBe("hello etag");
  });
});
