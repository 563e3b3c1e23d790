// TCPClient.connect with an AbortSignal: before the start, during resolution, with attempts in flight.

import { createServer, type Socket } from "node:net";
import { AbortError } from "@t/ioloop";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ResolvedAddress, TCPClient, TCPServer } from "../src/index.js";
import { LoopFixture, waitFor, within } from "./helpers.js";

let fx: LoopFixture;
beforeEach(() => {
  fx = new LoopFixture();
});
afterEach(async () => {
  await fx.dispose();
});

/** Lets Node's loop turn `n` times; no clock involved. */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((r) => setImmediate(r));
}

function expectAbort(err: unknown, reason: unknown): void {
  expect(err).toBeInstanceOf(AbortError);
  expect(err).toMatchObject({ name: "AbortError", code: "T_ERR_ABORTED" });
  expect((err as Error).cause).toBe(reason);
  expect((err as Error).message).toContain("TCPClient.connect()");
}

describe("TCPClient.connect with a signal", () => {
  it("an already-aborted signal rejects at once: nothing is resolved or connected", async () => {
    const asked: string[] = [];
    const resolver = async (host: string): Promise<ResolvedAddress[]> => {
      asked.push(host);
      return [{ address: "127.0.0.1", family: 4 }];
    };
    const reason = new Error("never mind");
    const err = await new TCPClient({ resolver })
      .connect("svc.test", 80, { signal: AbortSignal.abort(reason) })
      .catch((e: unknown) => e);
    expectAbort(err, reason);
    expect(asked).toEqual([]);
    expect(fx.loop.handlerSize).toBe(0);
  });

  it("aborting a connect to a black hole rejects with AbortError and closes the attempt", async () => {
    const hole = fx.blackHole("127.0.0.1");
    const ac = new AbortController();
    const connecting = new TCPClient().connect("127.0.0.1", hole.port, {
      signal: ac.signal,
      timeoutMs: 120_000,
    });
    await waitFor(() => fx.loop.handlerSize === 1, 10_000, "the attempt is in flight");
    ac.abort("user cancelled");
    expectAbort(await within(connecting.catch((e: unknown) => e)), "user cancelled");
    // The attempt's socket was closed at once, and the 120 s deadline timer removed.
    expect(fx.loop.handlerSize).toBe(0);
  });

  it("aborting closes every attempt in flight (both families of happy eyeballs)", async () => {
    const hole6 = fx.blackHole("::1");
    const hole4 = fx.blackHole("127.0.0.1");
    const resolver = async (): Promise<ResolvedAddress[]> => [
      { address: "::1", family: 6, port: hole6.port },
      { address: "127.0.0.1", family: 4, port: hole4.port },
    ];
    const ac = new AbortController();
    const connecting = new TCPClient({ resolver }).connect("dual.test", 80, {
      signal: ac.signal,
      connectTimeoutSecondaryMs: 0,
    });
    await waitFor(() => fx.loop.handlerSize === 2, 10_000, "both attempts in flight");
    ac.abort();
    const err = await within(connecting.catch((e: unknown) => e));
    expect(err).toBeInstanceOf(AbortError);
    expect((err as Error).cause).toBeInstanceOf(DOMException);
    expect(fx.loop.handlerSize).toBe(0);
  });

  it("aborting while the name resolves rejects at once; the late answer starts no attempt", async () => {
    const server = new TCPServer({ logger: fx.logger, handleStream: () => {} });
    fx.track({ close: () => server.stop() });
    await server.listen(0, "127.0.0.1");
    const port = server.addresses()[0].port;
    let answer: (a: ResolvedAddress[]) => void = () => {};
    const resolver = (): Promise<ResolvedAddress[]> =>
      new Promise((resolve) => {
        answer = resolve;
      });
    const ac = new AbortController();
    const connecting = new TCPClient({ resolver }).connect("slow-dns.test", port, {
      signal: ac.signal,
    });
    await turns(2);
    ac.abort("gone");
    expectAbort(await within(connecting.catch((e: unknown) => e)), "gone");
    const listening = fx.loop.handlerSize; // the server's accept handler
    answer([{ address: "127.0.0.1", family: 4 }]);
    await turns(5);
    expect(fx.loop.handlerSize).toBe(listening);
    expect(server.connectionCount).toBe(0);
  });

  it("aborting during the TLS handshake closes the socket", async () => {
    // A TCP server that reads the ClientHello and never answers it.
    const sockets: Socket[] = [];
    let helloBytes = 0;
    let closed = 0;
    const silent = createServer((s) => {
      sockets.push(s);
      s.on("data", (d) => {
        helloBytes += d.length;
      });
      s.on("close", () => closed++);
      s.on("error", () => {});
    });
    fx.track({
      close: () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          silent.close(() => r());
        }),
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const { port } = silent.address() as { port: number };
    const ac = new AbortController();
    const connecting = new TCPClient().connect("127.0.0.1", port, {
      ssl: true,
      signal: ac.signal,
    });
    await waitFor(() => helloBytes > 0, 10_000, "the ClientHello arrived");
    ac.abort("no TLS today");
    expectAbort(await within(connecting.catch((e: unknown) => e)), "no TLS today");
    await waitFor(() => closed === 1, 10_000, "the server saw the socket close");
  });

  it("an abort after the connection was made changes nothing", async () => {
    const server = new TCPServer({
      logger: fx.logger,
      handleStream: async (stream) => {
        await stream.write(await stream.readUntil("\n"));
      },
    });
    fx.track({ close: () => server.stop() });
    await server.listen(0, "127.0.0.1");
    const ac = new AbortController();
    const stream = fx.track(
      await new TCPClient().connect("127.0.0.1", server.addresses()[0].port, {
        signal: ac.signal,
      }),
    );
    ac.abort();
    expect(stream.closed()).toBe(false);
    await stream.write("still here\n");
    expect((await within(stream.readUntil("\n"))).toString()).toBe("still here\n");
  });

  it("a signal that is not an AbortSignal is a TypeError", async () => {
    await expect(
      new TCPClient().connect("127.0.0.1", 80, { signal: {} as AbortSignal }),
    ).rejects.toThrow(/signal must be an AbortSignal/);
  });
});
