// Streaming both ways: 128 MiB down and up with a sha256 digest, backpressure, streamingCallback, 100-continue.

import { createHash, randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HTTPResponseStream } from "../src/index.js";
import { ClientFixture, readHead, reply, waitFor } from "./helpers.js";

let fx: ClientFixture;
beforeEach(() => {
  fx = new ClientFixture();
});
afterEach(async () => {
  await fx.dispose();
});

const MiB = 1024 * 1024;
/** 1 MiB of random bytes, repeated to make large bodies (the digest still covers every byte). */
const BLOCK = randomBytes(MiB);

/** A node:http server that streams `/big?mib=N` (respecting backpressure) and hashes uploads. */
async function bigServer() {
  const state = { pushed: 0, blocked: false, uploadDigest: "", uploadBytes: 0 };
  const srv = await fx.serveNode((req, res) => {
    if (req.method === "POST") {
      const h = createHash("sha256");
      req.on("data", (d: Buffer) => {
        h.update(d);
        state.uploadBytes += d.length;
      });
      req.on("end", () => {
        state.uploadDigest = h.digest("hex");
        res.end(state.uploadDigest);
      });
      return;
    }
    const mib = Number(new URL(req.url ?? "/", "http://x").searchParams.get("mib"));
    res.setHeader("Content-Length", String(mib * MiB));
    let sent = 0;
    const pump = () => {
      while (sent < mib) {
        sent++;
        state.pushed += MiB;
        if (!res.write(BLOCK)) {
          state.blocked = true;
          res.once("drain", () => {
            state.blocked = false;
            pump();
          });
          return;
        }
      }
      res.end();
    };
    pump();
  });
  return { srv, state };
}

function digestOf(mib: number): string {
  const h = createHash("sha256");
  for (let i = 0; i < mib; i++) h.update(BLOCK);
  return h.digest("hex");
}

describe("streamed responses", () => {
  it("iterates a 128 MiB body with a matching sha256, and reuses the connection after it", async () => {
    const { srv } = await bigServer();
    const client = fx.client();
    const res = await client.stream(srv.url("/big?mib=128"), {
      maxBodySize: Number.POSITIVE_INFINITY,
      requestTimeoutMs: 0,
    });
    expect(res).toBeInstanceOf(HTTPResponseStream);
    expect(res.code).toBe(200);
    const h = createHash("sha256");
    let n = 0;
    for await (const chunk of res) {
      h.update(chunk);
      n += chunk.length;
    }
    expect(n).toBe(128 * MiB);
    expect(h.digest("hex")).toBe(digestOf(128));
    expect(res.body.length).toBe(0);
    await client.fetch(srv.url("/big?mib=1"));
    expect(srv.accepted).toBe(1);
  });

  it("stops reading while the consumer does not take chunks: the server blocks, the client buffers little", async () => {
    const { srv, state } = await bigServer();
    const client = fx.client();
    const res = await client.stream(srv.url("/big?mib=256"), {
      maxBodySize: Number.POSITIVE_INFINITY,
      requestTimeoutMs: 0,
    });
    const it = res[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    // Nobody reads now: the server's writes back up.
    await waitFor(() => state.blocked, { what: "the server blocked on a full socket" });
    // What left the server is in kernel buffers and at most a chunk or two in the client.
    expect(state.pushed).toBeLessThan(48 * MiB);
    const h = createHash("sha256");
    h.update(first.value as Buffer);
    let n = (first.value as Buffer).length;
    for (let r = await it.next(); !r.done; r = await it.next()) {
      h.update(r.value);
      n += r.value.length;
    }
    expect(n).toBe(256 * MiB);
    expect(h.digest("hex")).toBe(digestOf(256));
  });

  it("leaving the iteration early closes the connection", async () => {
    const { srv } = await bigServer();
    const client = fx.client();
    const res = await client.stream(srv.url("/big?mib=64"), {
      maxBodySize: Number.POSITIVE_INFINITY,
    });
    for await (const _chunk of res) break;
    await waitFor(() => client.stats().connections === 0, { what: "connection closed" });
    expect((await client.fetch(srv.url("/big?mib=1"))).body.length).toBe(MiB);
    expect(srv.accepted).toBe(2);
  });

  it("streamingCallback gets every piece (a returned promise pauses reading); body stays empty", async () => {
    const { srv } = await bigServer();
    const client = fx.client();
    const h = createHash("sha256");
    let calls = 0;
    const res = await client.fetch(srv.url("/big?mib=8"), {
      streamingCallback: async (chunk) => {
        calls++;
        h.update(chunk);
        if (calls % 16 === 0) await new Promise((r) => setImmediate(r));
      },
    });
    expect(res.body.length).toBe(0);
    expect(calls).toBeGreaterThan(1);
    expect(h.digest("hex")).toBe(digestOf(8));
  });

  it("maxBodySize applies to streamed bodies too", async () => {
    const { srv } = await bigServer();
    const client = fx.client();
    await expect(
      client.stream(srv.url("/big?mib=4"), { maxBodySize: 2 * MiB }),
    ).rejects.toMatchObject({
      code: "T_ERR_HTTP_RESPONSE_TOO_LARGE",
      limit: "maxBodySize",
    });
    const res = await client.stream(srv.url("/big?mib=4"), { maxBodySize: 4 * MiB });
    expect((await res.readAll()).length).toBe(4 * MiB);
  });
});

describe("streamed responses and errors", () => {
  it("stream() rejects a non-2xx status with HTTPClientError whose response has the body", async () => {
    const srv = await fx.serveT((req) => reply(req, 404, "not here"));
    const client = fx.client();
    const err = await client.stream(srv.url()).catch((e) => e);
    expect(err.code).toBe("T_ERR_HTTP_STATUS");
    expect(err.response.text()).toBe("not here");
    const res = await client.stream(srv.url(), { raiseError: false });
    expect(res.code).toBe(404);
    expect((await res.readAll()).toString()).toBe("not here");
  });
});

describe("streamed request bodies", () => {
  it("uploads 128 MiB from an async generator (chunked) with a matching sha256", async () => {
    const { srv, state } = await bigServer();
    const client = fx.client();
    async function* source() {
      for (let i = 0; i < 128; i++) yield BLOCK;
    }
    const res = await client.fetch(srv.url("/up"), {
      method: "POST",
      body: source(),
      requestTimeoutMs: 0,
    });
    expect(state.uploadBytes).toBe(128 * MiB);
    expect(res.text()).toBe(digestOf(128));
  });

  it("a throwing body source fails the request with its error", async () => {
    const { srv } = await bigServer();
    const client = fx.client();
    async function* source() {
      yield "a";
      throw new Error("source broke");
    }
    await expect(client.fetch(srv.url("/up"), { method: "POST", body: source() })).rejects.toThrow(
      "source broke",
    );
  });
});

describe("Expect: 100-continue", () => {
  it("sends the body after 100 Continue from @t/httpserver", async () => {
    const srv = await fx.serveT((req) => reply(req, 200, `got ${req.body.length}`));
    const client = fx.client();
    const res = await client.fetch(srv.url(), {
      method: "PUT",
      body: Buffer.alloc(50_000, 1),
      expect100Continue: true,
      expectContinueTimeoutMs: 0,
    });
    expect(res.text()).toBe("got 50000");
  });

  it("never sends the body when the server answers finally first (417), and does not reuse the connection", async () => {
    let bodyBytes = 0;
    const srv = await fx.serveRaw(async (socket) => {
      const head = await readHead(socket);
      expect(head).toMatch(/\r\nExpect: 100-continue\r\n/i);
      socket.on("data", (d) => {
        bodyBytes += d.length;
      });
      socket.write("HTTP/1.1 417 Expectation Failed\r\nContent-Length: 0\r\n\r\n");
    });
    const client = fx.client();
    const res = await client.fetch(srv.url(), {
      method: "POST",
      body: "never sent",
      expect100Continue: true,
      expectContinueTimeoutMs: 0,
      raiseError: false,
    });
    expect(res.code).toBe(417);
    await waitFor(() => client.stats().connections === 0, { what: "connection closed" });
    expect(bodyBytes).toBe(0);
  });

  it("sends the body anyway after expectContinueTimeoutMs without an answer", async () => {
    const srv = await fx.serveRaw(async (socket) => {
      await readHead(socket);
      socket.once("data", (d) => {
        socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${d.length}\r\n\r\n${d}`);
      });
    });
    const client = fx.client();
    const res = await client.fetch(srv.url(), {
      method: "POST",
      body: "late body",
      expect100Continue: true,
      expectContinueTimeoutMs: 50,
    });
    expect(res.text()).toBe("late body");
  });
});
