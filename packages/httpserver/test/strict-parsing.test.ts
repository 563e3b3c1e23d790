// Strict RFC 9112 parsing over real sockets: every malformed or ambiguous request gets its error and a close.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { echoed, echoHandler, ServerFixture } from "./helpers.js";

let fx: ServerFixture;
beforeEach(() => {
  fx = new ServerFixture();
});
afterEach(async () => {
  await fx.dispose();
});

const H = "Host: x\r\n";
const cases: [string, string, number][] = [
  [
    "Content-Length with Transfer-Encoding",
    `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    400,
  ],
  [
    "duplicate Content-Length",
    `POST / HTTP/1.1\r\n${H}Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc`,
    400,
  ],
  ["Content-Length list", `POST / HTTP/1.1\r\n${H}Content-Length: 3, 3\r\n\r\nabc`, 400],
  ["non-numeric Content-Length", `POST / HTTP/1.1\r\n${H}Content-Length: 0x3\r\n\r\nabc`, 400],
  ["signed Content-Length", `POST / HTTP/1.1\r\n${H}Content-Length: +3\r\n\r\nabc`, 400],
  ["empty Content-Length", `POST / HTTP/1.1\r\n${H}Content-Length:\r\n\r\n`, 400],
  [
    "huge Content-Length",
    `POST / HTTP/1.1\r\n${H}Content-Length: 99999999999999999999\r\n\r\n`,
    400,
  ],
  ["Transfer-Encoding gzip", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip\r\n\r\n`, 400],
  [
    "Transfer-Encoding gzip, chunked",
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`,
    400,
  ],
  [
    "Transfer-Encoding chunked twice",
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    400,
  ],
  [
    "Transfer-Encoding with a trailing comma",
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked,\r\n\r\n0\r\n\r\n`,
    400,
  ],
  [
    "Transfer-Encoding in HTTP/1.0",
    "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    400,
  ],
  ["chunk size not hex", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\nzz\r\n`, 400],
  ["chunk size negative", `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n-1\r\n`, 400],
  [
    "chunk size 0x prefix",
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0x3\r\nabc\r\n0\r\n\r\n`,
    400,
  ],
  [
    "chunk size too long",
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n${"f".repeat(20)}\r\n`,
    400,
  ],
  [
    "chunk size missing",
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n\r\nabc\r\n`,
    400,
  ],
  [
    "bad chunk extension",
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3;@@\r\nabc\r\n0\r\n\r\n`,
    400,
  ],
  [
    "chunk extension with bare LF",
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3;a=b\nabc\r\n0\r\n\r\n`,
    400,
  ],
  [
    "chunk extension too long",
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3;a=${"b".repeat(2000)}\r\nabc\r\n0\r\n\r\n`,
    400,
  ],
  [
    "chunk data longer than its size",
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n`,
    400,
  ],
  [
    "bare LF after chunk data",
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n`,
    400,
  ],
  [
    "bad trailer field",
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer: x\r\n\r\n`,
    400,
  ],
  ["bare CR in a value", `GET / HTTP/1.1\r\n${H}X-A: a\rb\r\n\r\n`, 400],
  ["bare LF in the head", `GET / HTTP/1.1\r\n${H}X-A: a\nX-B: b\r\n\r\n`, 400],
  ["LF-only line endings", "GET / HTTP/1.1\nHost: x\n\n", 400],
  ["obs-fold", `GET / HTTP/1.1\r\n${H}X-A: a\r\n  folded\r\n\r\n`, 400],
  ["whitespace before the colon", `GET / HTTP/1.1\r\n${H}X-A : a\r\n\r\n`, 400],
  ["whitespace in a field name", `GET / HTTP/1.1\r\n${H}X A: a\r\n\r\n`, 400],
  ["empty field name", `GET / HTTP/1.1\r\n${H}: a\r\n\r\n`, 400],
  ["line without colon", `GET / HTTP/1.1\r\n${H}NoColon\r\n\r\n`, 400],
  ["invalid byte in a field name", `GET / HTTP/1.1\r\n${H}X-\u00e9: a\r\n\r\n`, 400],
  ["NUL in a value", `GET / HTTP/1.1\r\n${H}X-A: a\u0000b\r\n\r\n`, 400],
  ["DEL in a value", `GET / HTTP/1.1\r\n${H}X-A: a\u007fb\r\n\r\n`, 400],
  ["invalid token in the method", "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400],
  ["lower-case version", "GET / http/1.1\r\nHost: x\r\n\r\n", 400],
  ["bad version", "GET / HTTP/1.x\r\nHost: x\r\n\r\n", 400],
  ["version without minor", "GET / HTTP/1\r\nHost: x\r\n\r\n", 400],
  ["HTTP/2.0", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505],

  ["two spaces after the method", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400],
  ["space inside the target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400],
  ["target not starting with /", "GET a HTTP/1.1\r\nHost: x\r\n\r\n", 400],
  ["control byte in the target", "GET /a\u0001 HTTP/1.1\r\nHost: x\r\n\r\n", 400],
  ["missing Host in HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", 400],
  ["duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400],
  [
    "TLS handshake bytes",
    "\u0016\u0003\u0001\u0000\u00a5\u0001\u0000\u0000\u00a1\u0003\u0003",
    400,
  ],
];

describe("strict request parsing", () => {
  it.each(cases)(
    "rejects %s, closes, and keeps serving other clients",
    async (_name, raw, status) => {
      let calls = 0;
      const { port } = await fx.serve((req) => {
        calls++;
        echoHandler(req);
      });
      const bad = await fx.connect(port);
      await bad.write(Buffer.from(raw, "latin1"));
      const r = await bad.readResponse();
      expect(r.status).toBe(status);
      expect(r.headers.get("Connection")).toBe("close");
      expect(await bad.readUntilClose()).toBe("");
      expect(calls).toBe(0);
      const good = await fx.connect(port);
      await good.write("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
      expect(echoed(await good.readResponse()).uri).toBe("/ok");
      expect(fx.problems()).toEqual([]);
    },
  );

  it("answers the requests before a malformed one, then the error", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    await c.write(
      "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\nGET /3 HTTP/1.1\r\nBad Name: x\r\n\r\n",
    );
    expect(echoed(await c.readResponse()).uri).toBe("/1");
    expect(echoed(await c.readResponse()).uri).toBe("/2");
    expect((await c.readResponse()).status).toBe(400);
    await c.readUntilClose();
  });

  it("accepts what RFC 9112 allows: OWS around values, obs-text in values, absolute-form, OPTIONS *, HTTP/1.0 without Host", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    await c.write(
      Buffer.from(
        "GET http://example.com/x HTTP/1.1\r\nHost: example.com\r\nX-A:\t v\u00e9 \t\r\nX-Empty:\r\n\r\n",
        "latin1",
      ),
    );
    const e = echoed(await c.readResponse());
    expect(e.uri).toBe("/x");
    expect(e.headers).toContainEqual(["X-A", "v\u00e9"]);
    expect(e.headers).toContainEqual(["X-Empty", ""]);
    await c.write("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(echoed(await c.readResponse()).uri).toBe("*");
    const d = await fx.connect(port);
    await d.write("GET /old HTTP/1.0\r\n\r\n");
    expect(echoed(await d.readResponse()).uri).toBe("/old");
  });
});
