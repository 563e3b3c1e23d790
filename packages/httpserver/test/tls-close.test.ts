// HTTPS connections that end with `Connection: close`: every response byte reaches the client.

import * as tls from "node:tls";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HTTPHeaders, type HTTPServerRequest } from "../src/index.js";
import { ServerFixture, tlsFixtures, within } from "./helpers.js";

let fx: ServerFixture;
beforeEach(() => {
  fx = new ServerFixture();
});
afterEach(async () => {
  await fx.dispose();
  expect(fx.problems()).toEqual([]);
});

const HELLO = Buffer.from("Hello world!");

/**
 * Send `requests` over one TLS connection at once (no half-close); resolve with all that arrives
 * until the server closes. With `startReading`, nothing is read before it resolves.
 */
function exchange(port: number, requests: string, startReading?: Promise<void>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      servername: "localhost",
      ca: tlsFixtures.ca,
    });
    socket.on("secureConnect", () => {
      socket.write(requests);
      if (startReading !== undefined) {
        socket.pause();
        startReading.then(() => socket.resume(), reject);
      }
    });
    socket.on("data", (d: Buffer) => chunks.push(d));
    socket.on("end", () => resolve(Buffer.concat(chunks)));
    socket.on("error", reject);
  });
}

function count(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + 1)) n++;
  return n;
}

describe("HTTPS close after the last response", () => {
  it("a pipelined burst of 1000 requests, the last with Connection: close, gets 1000 responses", async () => {
    const { port } = await fx.serve(
      (req: HTTPServerRequest) => {
        req.connection.writeHeaders(
          { code: 200, reason: "OK" },
          new HTTPHeaders({ "Content-Type": "text/plain" }),
          HELLO,
        );
        req.connection.finish();
      },
      { ssl: { key: tlsFixtures.key, cert: tlsFixtures.cert } },
    );
    const n = 1000;
    const one = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    const last = "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    const got = (await within(exchange(port, one.repeat(n - 1) + last), 20_000)).toString("latin1");
    expect(count(got, "HTTP/1.1 200 OK\r\n")).toBe(n);
    expect(count(got, "Hello world!")).toBe(n);
  });

  it("a 16 MiB response to a slow reader, with Connection: close, arrives whole", async () => {
    const body = Buffer.alloc(16 << 20, 0x78);
    let finished = (): void => {};
    const handlerDone = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const piece = body.length / 1024;
    const { port } = await fx.serve(
      (req: HTTPServerRequest) => {
        req.connection.writeHeaders(
          { code: 200, reason: "OK" },
          new HTTPHeaders({
            "Content-Type": "application/octet-stream",
            "Content-Length": String(body.length),
          }),
        );
        for (let off = 0; off < body.length; off += piece) {
          req.connection.write(body.subarray(off, off + piece));
        }
        req.connection.finish();
        finished();
      },
      { ssl: { key: tlsFixtures.key, cert: tlsFixtures.cert } },
    );
    // The client reads only once the whole response is queued: the close is asked for while
    // most of it still waits for the peer.
    const got = await within(
      exchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", handlerDone),
      20_000,
    );
    const head = got.indexOf("\r\n\r\n");
    expect(got.subarray(0, head).toString("latin1")).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(got.length - head - 4).toBe(body.length);
  });
});
