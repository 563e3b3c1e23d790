// Responses that break HTTP/1.1 (RFC 9112) or the limits: each gets a clear error, nothing is buffered without bound.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  HTTPConnectionError,
  HTTPMalformedResponseError,
  HTTPResponseTooLargeError,
} from "../src/index.js";
import { ClientFixture, readHead, waitFor } from "./helpers.js";

let fx: ClientFixture;
beforeEach(() => {
  fx = new ClientFixture();
});
afterEach(async () => {
  await fx.dispose();
});

/** A server that answers every request on a connection with the next of `answers`, then closes if asked. */
async function rawAnswer(answer: string | Buffer, close = true) {
  return fx.serveRaw(async (socket) => {
    await readHead(socket);
    socket.write(answer);
    if (close) socket.end();
  });
}

const malformed: [string, string, RegExp][] = [
  [
    "conflicting Content-Length values",
    "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
    /Content-Length/,
  ],
  [
    "a Content-Length list that disagrees",
    "HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\nabc",
    /Content-Length/,
  ],
  [
    "a non-numeric Content-Length",
    "HTTP/1.1 200 OK\r\nContent-Length: +3\r\n\r\nabc",
    /Content-Length/,
  ],
  [
    "Transfer-Encoding with Content-Length",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    /Transfer-Encoding and Content-Length/,
  ],
  [
    "a Transfer-Encoding other than chunked",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx",
    /unsupported Transfer-Encoding/,
  ],
  [
    "Transfer-Encoding in HTTP/1.0",
    "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    /HTTP\/1.0/,
  ],
  [
    "whitespace before the colon",
    "HTTP/1.1 200 OK\r\nX-A : 1\r\nContent-Length: 0\r\n\r\n",
    /malformed response head/,
  ],
  [
    "obs-fold",
    "HTTP/1.1 200 OK\r\nX-A: 1\r\n  more\r\nContent-Length: 0\r\n\r\n",
    /malformed response head/,
  ],
  ["a bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", /bare CR or LF/],
  ["a bad status line", "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", /malformed response head/],
  ["HTTP/2 status line", "HTTP/2 200\r\n\r\n", /HTTP\/1.x|malformed/],
  ["not HTTP at all", "SSH-2.0-OpenSSH_9.6\r\n", /does not start with HTTP/],
  ["a bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", /chunked/],
  [
    "chunk data longer than its size",
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
    /chunked/,
  ],
  ["101 without an upgrade", "HTTP/1.1 101 Switching Protocols\r\n\r\n", /101/],
  [
    "more than 16 interim responses",
    `${"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n".repeat(17)}HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n`,
    /interim/,
  ],
];

describe("malformed responses", () => {
  for (const [what, answer, message] of malformed) {
    it(`${what}: HTTPMalformedResponseError`, async () => {
      const srv = await rawAnswer(answer);
      const client = fx.client();
      const err = await client.fetch(srv.url()).catch((e) => e);
      expect(err).toBeInstanceOf(HTTPMalformedResponseError);
      expect(err.code).toBe("T_ERR_HTTP_MALFORMED_RESPONSE");
      expect(err.message).toMatch(message);
      await waitFor(() => client.stats().connections === 0, { what: "connection closed" });
    });
  }

  it("accepts 16 interim responses (103 Early Hints) before the final one", async () => {
    const srv = await rawAnswer(
      `${"HTTP/1.1 103 Early Hints\r\n\r\n".repeat(16)}HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok`,
    );
    const client = fx.client();
    expect((await client.fetch(srv.url())).text()).toBe("ok");
  });

  it("a body cut short by the server closing: HTTPConnectionError", async () => {
    const srv = await rawAnswer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    const client = fx.client();
    const err = await client.fetch(srv.url()).catch((e) => e);
    expect(err).toBeInstanceOf(HTTPConnectionError);
    expect(err.message).toMatch(/before the response was complete/);
  });

  it("a chunked body cut short: HTTPConnectionError", async () => {
    const srv = await rawAnswer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
    const client = fx.client();
    await expect(client.fetch(srv.url())).rejects.toBeInstanceOf(HTTPConnectionError);
  });

  it("a close-delimited body (no length, HTTP/1.0 style) is read to the end of the connection", async () => {
    const srv = await rawAnswer("HTTP/1.0 200 OK\r\nX-A: 1\r\n\r\nuntil close");
    const client = fx.client();
    const res = await client.fetch(srv.url());
    expect(res.version).toBe("HTTP/1.0");
    expect(res.text()).toBe("until close");
  });

  it("HTTP/1.0 with Connection: keep-alive and a length is reused; without it is not", async () => {
    const srv = await fx.serveRaw(async (socket) => {
      for (;;) {
        await readHead(socket);
        socket.write("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok");
      }
    });
    const client = fx.client();
    await client.fetch(srv.url());
    await client.fetch(srv.url());
    expect(srv.sockets.length).toBe(1);
    const plain = await fx.serveRaw(async (socket) => {
      await readHead(socket);
      socket.write("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
    });
    await client.fetch(plain.url());
    await client.fetch(plain.url());
    expect(plain.sockets.length).toBe(2);
  });

  it("bytes after a complete response: the response is kept, the connection is not reused", async () => {
    const srv = await fx.serveRaw(async (socket) => {
      for (;;) {
        await readHead(socket);
        socket.write(
          "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nforged",
        );
      }
    });
    const client = fx.client();
    expect((await client.fetch(srv.url())).text()).toBe("ok");
    expect((await client.fetch(srv.url())).text()).toBe("ok");
    expect(srv.sockets.length).toBe(2);
  });

  it("bytes on an idle pooled connection close it; the next request connects anew", async () => {
    const srv = await fx.serveRaw(async (socket) => {
      for (;;) {
        await readHead(socket);
        socket.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        setImmediate(() => socket.write("unsolicited"));
      }
    });
    const client = fx.client();
    await client.fetch(srv.url());
    await waitFor(() => client.stats().connections === 0, { what: "idle connection closed" });
    await client.fetch(srv.url());
    expect(srv.sockets.length).toBe(2);
  });
});

describe("limits", () => {
  it("a head larger than maxHeaderSize fails without waiting for its end", async () => {
    const srv = await fx.serveRaw(async (socket) => {
      await readHead(socket);
      socket.write(`HTTP/1.1 200 OK\r\nX-Big: ${"a".repeat(200_000)}`);
    });
    const client = fx.client({ maxHeaderSize: 8192 });
    const err = await client.fetch(srv.url()).catch((e) => e);
    expect(err).toBeInstanceOf(HTTPResponseTooLargeError);
    expect(err.code).toBe("T_ERR_HTTP_RESPONSE_TOO_LARGE");
    expect(err.limit).toBe("maxHeaderSize");
  });

  it("a head sent one byte at a time is parsed (linear search)", async () => {
    const head = `HTTP/1.1 200 OK\r\n${"X-Pad: y\r\n".repeat(300)}Content-Length: 2\r\n\r\nok`;
    const srv = await fx.serveRaw(async (socket) => {
      await readHead(socket);
      socket.setNoDelay(true);
      let i = 0;
      const next = () => {
        if (i < head.length) socket.write(head[i++], next);
      };
      next();
    });
    const client = fx.client();
    const res = await client.fetch(srv.url());
    expect(res.text()).toBe("ok");
    expect(res.headers.getList("x-pad").length).toBe(300);
  });

  it("a Content-Length above maxBodySize fails at the head", async () => {
    const srv = await rawAnswer("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", false);
    const client = fx.client();
    const err = await client.fetch(srv.url(), { maxBodySize: 1000 }).catch((e) => e);
    expect(err).toBeInstanceOf(HTTPResponseTooLargeError);
    expect(err.limit).toBe("maxBodySize");
  });

  it("a chunked body that grows past maxBodySize fails as the chunks arrive", async () => {
    const srv = await fx.serveRaw(async (socket) => {
      await readHead(socket);
      socket.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
      const chunk = `400\r\n${"x".repeat(1024)}\r\n`;
      const pump = () => {
        while (!socket.destroyed && socket.write(chunk)) {}
        if (!socket.destroyed) socket.once("drain", pump);
      };
      pump();
    });
    const client = fx.client();
    const err = await client.fetch(srv.url(), { maxBodySize: 256 * 1024 }).catch((e) => e);
    expect(err).toBeInstanceOf(HTTPResponseTooLargeError);
    expect(err.limit).toBe("maxBodySize");
  });

  it("a close-delimited body past maxBodySize fails", async () => {
    const srv = await rawAnswer(`HTTP/1.1 200 OK\r\n\r\n${"z".repeat(300_000)}`);
    const client = fx.client();
    const err = await client.fetch(srv.url(), { maxBodySize: 100_000 }).catch((e) => e);
    expect(err).toBeInstanceOf(HTTPResponseTooLargeError);
  });

  it("endless trailers fail at the trailer limit", async () => {
    const srv = await fx.serveRaw(async (socket) => {
      await readHead(socket);
      socket.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n");
      const line = `X-T: ${"t".repeat(1000)}\r\n`;
      const pump = () => {
        while (!socket.destroyed && socket.write(line)) {}
        if (!socket.destroyed) socket.once("drain", pump);
      };
      pump();
    });
    const client = fx.client();
    const err = await client.fetch(srv.url()).catch((e) => e);
    expect(err).toBeInstanceOf(HTTPResponseTooLargeError);
    expect(err.limit).toBe("maxTrailerSize");
  });
});
