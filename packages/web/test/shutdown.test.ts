// A handler's `signal`: aborted when the server begins a graceful shutdown (a long poll answers
// at once instead of holding the shutdown until its deadline) or when the client goes away.

import { connect } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClientGoneError, RequestHandler, ServerDrainingError } from "../src/index.js";
import { WebFixture } from "./helpers.js";

let fx: WebFixture;
const reasons: unknown[] = [];
let waiting = 0;
beforeEach(() => {
  fx = new WebFixture();
  reasons.length = 0;
  waiting = 0;
});
afterEach(async () => {
  await fx.dispose();
});

/** A long poll: waits for news (none comes) until its signal says to stop. */
class LongPoll extends RequestHandler {
  async get() {
    waiting++;
    const reason = await new Promise((resolve) => {
      this.signal.addEventListener("abort", () => resolve(this.signal.reason), { once: true });
    });
    reasons.push(reason);
    if (!this.connectionClosed) this.write({ messages: [], stopped: (reason as Error).name });
  }
}

describe("RequestHandler.signal", () => {
  it("is aborted by a graceful shutdown: the long poll answers and the server finishes early", async () => {
    await fx.serve([["/poll", LongPoll]], { logger: fx.logger });
    const responses = [fx.fetch("/poll"), fx.fetch("/poll")];
    await fx.waitFor(() => waiting === 2);
    const server = fx.server;
    if (server === null) throw new Error("no server");
    // A long deadline: ending depends on the handlers answering, not on the deadline.
    const done = server.shutdown({ deadlineMs: 60_000 });
    for (const res of await Promise.all(responses)) {
      expect(res.status).toBe(200);
      expect(res.headers.get("connection")).toBe("close");
      expect(await res.json()).toEqual({ messages: [], stopped: "ServerDrainingError" });
    }
    await done;
    expect(reasons).toHaveLength(2);
    for (const r of reasons) {
      expect(r).toBeInstanceOf(ServerDrainingError);
      expect(r).toMatchObject({ code: "T_ERR_SERVER_DRAINING" });
    }
    expect(server.connectionCount).toBe(0);
    expect(fx.logger.entries.some((e) => /still open after/.test(e.msg))).toBe(false);
  });

  it("is aborted with ClientGoneError when the client closes the connection", async () => {
    await fx.serve([["/poll", LongPoll]], { logger: fx.logger });
    const sock = connect(fx.port, "127.0.0.1");
    await new Promise((r) => sock.once("connect", r));
    sock.write("GET /poll HTTP/1.1\r\nHost: x\r\n\r\n");
    await fx.waitFor(() => waiting === 1);
    sock.destroy();
    await fx.waitFor(() => reasons.length === 1);
    expect(reasons[0]).toBeInstanceOf(ClientGoneError);
    expect(reasons[0]).toMatchObject({ code: "T_ERR_CLIENT_GONE" });
  });

  it("a request pipelined behind one in flight at shutdown is not served", async () => {
    // Two pipelined requests: the first is in flight when the shutdown begins, the second is
    // parsed after it and starts out aborted.
    class Quick extends RequestHandler {
      get() {
        this.write(this.signal.aborted ? "aborted" : "live");
      }
    }
    class Slow extends RequestHandler {
      async get() {
        waiting++;
        await new Promise((r) => this.signal.addEventListener("abort", r, { once: true }));
        this.write("slow done");
      }
    }
    await fx.serve(
      [
        ["/slow", Slow],
        ["/quick", Quick],
      ],
      { logger: fx.logger },
    );
    const sock = connect(fx.port, "127.0.0.1");
    await new Promise((r) => sock.once("connect", r));
    let out = "";
    sock.on("data", (d) => {
      out += d;
    });
    const ended = new Promise((r) => sock.once("close", r));
    sock.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /quick HTTP/1.1\r\nHost: x\r\n\r\n");
    await fx.waitFor(() => waiting === 1);
    await fx.server?.shutdown({ deadlineMs: 60_000 });
    await ended;
    expect(out).toContain("slow done");
    // The pipelined request is not served after the response that said Connection: close.
    expect(out).not.toContain("live");
  });
});
