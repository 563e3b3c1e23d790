// Whitespace after a chunk size counts against MAX_CHUNK_EXTENSION_BYTES (review finding 10 of @t/httpclient).

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MAX_CHUNK_EXTENSION_BYTES } from "../src/index.js";
import { echoed, echoHandler, ServerFixture } from "./helpers.js";

let fx: ServerFixture;
beforeEach(() => {
  fx = new ServerFixture();
});
afterEach(async () => {
  await fx.dispose();
});

const HEAD = "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";

describe("whitespace after a chunk size", () => {
  it("is accepted in moderation before an extension (BWS, RFC 9112 §7.1.1)", async () => {
    const { port } = await fx.serve(echoHandler);
    const c = await fx.connect(port);
    await c.write(`${HEAD}5 \t ;a=b\r\nhello\r\n3${" ".repeat(1000)};x\r\nabc\r\n0\r\n\r\n`);
    const r = await c.readResponse();
    expect(r.status).toBe(200);
    expect(echoed(r).body).toBe("helloabc");
  });

  it("is bounded like chunk extensions: 400 and close, however much the peer sends", async () => {
    let calls = 0;
    const { port } = await fx.serve((req) => {
      calls++;
      echoHandler(req);
    });
    const bad = await fx.connect(port);
    const spaces = " ".repeat(MAX_CHUNK_EXTENSION_BYTES + 1);
    // The peer keeps sending whitespace: the server answers 400 rather than reading on.
    bad.write(`${HEAD}5${spaces}`).catch(() => {});
    bad.write(" ".repeat(1 << 20)).catch(() => {});
    const r = await bad.readResponse();
    expect(r.status).toBe(400);
    expect(r.headers.get("Connection")).toBe("close");
    await bad.readUntilClose();
    expect(calls).toBe(0);
    const good = await fx.connect(port);
    await good.write("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(echoed(await good.readResponse()).uri).toBe("/ok");
  });
});
