// Response output integrity: the reusable output buffer under partial writes, shared between
// connections, and with TLS streams (which may hold written bytes by reference).

import * as tls from "node:tls";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HTTPHeaders, type HTTPServerRequest } from "../src/index.js";
import { ServerFixture, sleep, tlsFixtures, within } from "./helpers.js";

let fx: ServerFixture;
beforeEach(() => {
  fx = new ServerFixture();
});
afterEach(async () => {
  await fx.dispose();
});

/** A body that tells which request it answers, `size` bytes long. */
function bodyFor(path: string, size: number): string {
  const tag = `<${path}>`;
  return tag + ".".repeat(size - tag.length);
}

function answerWithPath(size: number) {
  return (req: HTTPServerRequest) => {
    req.connection.writeHeaders(
      { code: 200 },
      new HTTPHeaders({ "Content-Type": "text/plain" }),
      bodyFor(req.path, size),
    );
    req.connection.finish();
  };
}

/** Split a byte stream of Content-Length responses into their bodies, in order. */
function bodies(all: Buffer): string[] {
  const out: string[] = [];
  let pos = 0;
  while (pos < all.length) {
    const headEnd = all.indexOf("\r\n\r\n", pos, "latin1");
    if (headEnd === -1) throw new Error(`truncated head at ${pos}`);
    const head = all.toString("latin1", pos, headEnd);
    if (!head.startsWith("HTTP/1.1 200 OK\r\n")) throw new Error(`bad status line: ${head}`);
    const m = /\r\nContent-Length: (\d+)\r\n/.exec(head);
    if (m === null) throw new Error(`no Content-Length: ${head}`);
    const start = headEnd + 4;
    const end = start + Number(m[1]);
    if (end > all.length) throw new Error("truncated body");
    out.push(all.toString("latin1", start, end));
    pos = end;
  }
  return out;
}

/** Requests `from` to `to - 1` of `n` (the last one asks to close), pipelined in one string. */
function pipelined(n: number, prefix: string, from = 0, to = n): string {
  let s = "";
  for (let i = from; i < to; i++) {
    const close = i === n - 1 ? "Connection: close\r\n" : "";
    s += `GET /${prefix}${i} HTTP/1.1\r\nHost: x\r\n${close}\r\n`;
  }
  return s;
}

/** Send `n` pipelined requests in `parts` writes, `gapMs` apart (each is its own batch). */
async function sendInParts(
  write: (s: string) => unknown,
  n: number,
  prefix: string,
  parts: number,
  gapMs: number,
): Promise<void> {
  const per = Math.ceil(n / parts);
  for (let from = 0; from < n; from += per) {
    await write(pipelined(n, prefix, from, Math.min(n, from + per)));
    await sleep(gapMs);
  }
}

describe("output buffer", () => {
  it("gives its buffer back once the kernel took a response: idle keep-alive connections hold none", async () => {
    // Output buffers are the only 16 KiB+ allocUnsafeSlow on this path: count them while 200
    // keep-alive connections are each served once and then left idle.
    const { port } = await fx.serve(answerWithPath(100));
    const realAlloc = Buffer.allocUnsafeSlow;
    let big = 0;
    Buffer.allocUnsafeSlow = (size: number) => {
      if (size >= 16 * 1024) big++;
      return realAlloc(size);
    };
    try {
      const clients = [];
      for (let i = 0; i < 200; i++) {
        const c = await fx.connect(port);
        await c.write(`GET /c${i} HTTP/1.1\r\nHost: x\r\n\r\n`);
        const r = await c.readResponse();
        expect(r.body.toString("latin1")).toBe(bodyFor(`/c${i}`, 100));
        clients.push(c);
      }
      // Before: every connection kept a 16 KiB buffer until the idle sweep (200 allocations).
      expect(big).toBeLessThanOrEqual(2);
    } finally {
      Buffer.allocUnsafeSlow = realAlloc;
    }
    expect(fx.problems()).toEqual([]);
  });

  it("keeps pipelined responses intact while a slow reader forces partial writes", async () => {
    const size = 3000;
    const n = 2000; // ~6 MB of responses: far more than the socket buffers hold
    const { port } = await fx.serve(answerWithPath(size));
    const slow = await fx.connect(port);
    const fast = await fx.connect(port);
    slow.socket.pause();
    // Several batches, composed while earlier output still waits in the stream's queue.
    await sendInParts((s) => slow.write(s), n, "s", 10, 5);
    // Meanwhile another connection is served (it may take the shared spare buffer).
    for (let round = 0; round < 20; round++) {
      await fast.write(`GET /f${round} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const r = await fast.readResponse();
      expect(r.body.toString("latin1")).toBe(bodyFor(`/f${round}`, size));
    }
    slow.socket.resume();
    const all = Buffer.from(await slow.readUntilClose(10_000), "latin1");
    const got = bodies(all);
    expect(got.length).toBe(n);
    for (let i = 0; i < n; i++) expect(got[i]).toBe(bodyFor(`/s${i}`, size));
    expect(fx.problems()).toEqual([]);
  });

  it("keeps pipelined responses intact over TLS", async () => {
    const size = 3000;
    const n = 1000;
    const { port } = await fx.serve(answerWithPath(size), {
      ssl: { key: tlsFixtures.key, cert: tlsFixtures.cert },
    });
    const all = await within(
      new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        const s = tls.connect(
          { host: "127.0.0.1", port, ca: tlsFixtures.ca, servername: "localhost" },
          () => {
            // Not reading meanwhile: the server's TLS socket has writes in flight.
            s.pause();
            sendInParts((part) => s.write(part), n, "t", 10, 5).then(() => s.resume(), reject);
          },
        );
        s.on("data", (d: Buffer) => chunks.push(d));
        s.on("end", () => resolve(Buffer.concat(chunks)));
        s.on("error", reject);
      }),
      10_000,
      "TLS responses",
    );
    const got = bodies(all);
    expect(got.length).toBe(n);
    for (let i = 0; i < n; i++) expect(got[i]).toBe(bodyFor(`/t${i}`, size));
  });

  it("writes repeated, changing and latin1 field lines exactly", async () => {
    const { port } = await fx.serve((req) => {
      req.connection.writeHeaders(
        { code: 200 },
        new HTTPHeaders({ "X-Echo": req.path, "X-Fixed": "caf\u00e9", "X-Long": "v".repeat(2000) }),
        "ok",
      );
      req.connection.finish();
    });
    const c = await fx.connect(port);
    for (const path of ["/a", "/a", "/a", "/bb", "/a", "/bb", "/bb"]) {
      await c.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const r = await c.readResponse();
      expect(r.head).toContain(
        `\r\nX-Echo: ${path}\r\nX-Fixed: caf\u00e9\r\nX-Long: ${"v".repeat(2000)}\r\n`,
      );
      expect(r.body.toString()).toBe("ok");
    }
  });
});
