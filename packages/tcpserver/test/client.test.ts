// TCPClient over loopback: refused, unresolvable, timeout, happy eyeballs, source address, accept handler.

import * as pn from "@t/poller-native";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  addAcceptHandler,
  bindSockets,
  ConnectTimeoutError,
  type ResolvedAddress,
  TCPClient,
  TCPServer,
} from "../src/index.js";
import { LoopFixture, sleep, waitFor, within } from "./helpers.js";

let fx: LoopFixture;
beforeEach(() => {
  fx = new LoopFixture();
});
afterEach(async () => {
  await fx.dispose();
});

/** A port on `host` where nothing listens (bound then closed). */
function closedPort(host: string): number {
  const fd = pn.socket(host.includes(":") ? 6 : 4);
  pn.bind(fd, host, 0);
  const { port } = pn.getsockname(fd);
  pn.close(fd);
  return port;
}

async function echoServer(host: string, port = 0): Promise<TCPServer> {
  const s = new TCPServer({
    logger: fx.logger,
    handleStream: async (stream) => {
      for (;;) await stream.write(await stream.readUntil("\n"));
    },
  });
  fx.track({ close: () => s.stop() });
  await s.listen(port, host);
  return s;
}

describe("TCPClient.connect", () => {
  it("connects to an IPv4 and an IPv6 literal and round-trips", async () => {
    for (const host of ["127.0.0.1", "::1"]) {
      const s = await echoServer(host);
      const stream = fx.track(await new TCPClient().connect(host, s.addresses()[0].port));
      expect(stream.peerAddress()).toMatchObject({ address: host });
      await stream.write("ping\n");
      expect((await within(stream.readUntil("\n"))).toString()).toBe("ping\n");
    }
  });

  it("rejects with ECONNREFUSED from a port nobody listens on", async () => {
    const port = closedPort("127.0.0.1");
    await expect(new TCPClient().connect("127.0.0.1", port)).rejects.toMatchObject({
      code: "ECONNREFUSED",
      syscall: "connect",
      port,
    });
  });

  it("rejects with the resolver's ENOTFOUND for a name that does not resolve", async () => {
    await expect(
      new TCPClient().connect("no-such-host.invalid", 80, { timeoutMs: 10_000 }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTFOUND|EAI_AGAIN)$/) });
  });

  it("rejects with ConnectTimeoutError when the connect cannot complete in timeoutMs", async () => {
    const hole = fx.blackHole("127.0.0.1");
    const t0 = Date.now();
    const err = await new TCPClient()
      .connect("127.0.0.1", hole.port, { timeoutMs: 200 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectTimeoutError);
    expect(err).toMatchObject({ code: "T_ERR_CONNECT_TIMEOUT", port: hole.port });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    // The abandoned attempt's socket was closed: no handler is left on the loop.
    await waitFor(() => fx.loop.handlerSize === 0, 2000, "attempt closed");
  });

  it("happy eyeballs: falls back to IPv4 after the head start when IPv6 black-holes", async () => {
    const hole = fx.blackHole("::1");
    const s = await echoServer("127.0.0.1", hole.port);
    const asked: string[] = [];
    const resolver = async (host: string): Promise<ResolvedAddress[]> => {
      asked.push(host);
      return [
        { address: "::1", family: 6 },
        { address: "127.0.0.1", family: 4 },
      ];
    };
    const t0 = Date.now();
    const stream = fx.track(
      await new TCPClient({ resolver }).connect("dual.test", hole.port, { timeoutMs: 5000 }),
    );
    const took = Date.now() - t0;
    expect(asked).toEqual(["dual.test"]);
    expect(stream.peerAddress()).toMatchObject({ family: "IPv4", address: "127.0.0.1" });
    expect(took).toBeGreaterThanOrEqual(290);
    await stream.write("fallback\n");
    expect((await within(stream.readUntil("\n"))).toString()).toBe("fallback\n");
    // The losing IPv6 attempt was closed: only the winner is registered.
    await waitFor(() => fx.loop.handlerSize <= 3, 2000, "loser closed");
    expect(s.connectionCount).toBe(1);
  });

  it("happy eyeballs: a refused primary starts the secondary family at once", async () => {
    const s = await echoServer("127.0.0.1");
    const port = s.addresses()[0].port;
    const resolver = async (): Promise<ResolvedAddress[]> => [
      { address: "::1", family: 6 },
      { address: "127.0.0.1", family: 4 },
    ];
    // A head start of a minute: connecting at all within the 10 s bound proves the refusal
    // started the secondary family without waiting for it.
    const stream = fx.track(
      await within(
        new TCPClient({ resolver }).connect("x.test", port, { connectTimeoutSecondaryMs: 60_000 }),
        10_000,
        "connect",
      ),
    );
    expect(stream.peerAddress().family).toBe("IPv4");
  });

  it("rejects with the last error when every address fails, and filters by family", async () => {
    const port = closedPort("127.0.0.1");
    const resolver = async (): Promise<ResolvedAddress[]> => [
      { address: "127.0.0.1", family: 4 },
      { address: "::1", family: 6 },
    ];
    await expect(new TCPClient({ resolver }).connect("y.test", port)).rejects.toMatchObject({
      code: "ECONNREFUSED",
    });
    await expect(
      new TCPClient({ resolver: async () => [{ address: "::1", family: 6 }] }).connect(
        "z.test",
        port,
        {
          family: 4,
        },
      ),
    ).rejects.toMatchObject({ code: "T_ERR_NO_ADDRESS" });
  });

  it("binds the source address and port it is given", async () => {
    const s = await echoServer("127.0.0.1");
    const sourcePort = closedPort("127.0.0.1");
    const stream = fx.track(
      await new TCPClient().connect("127.0.0.1", s.addresses()[0].port, {
        sourceIp: "127.0.0.1",
        sourcePort,
      }),
    );
    expect(stream.localAddress()).toMatchObject({ address: "127.0.0.1", port: sourcePort });
  });

  it("validates its arguments", async () => {
    const c = new TCPClient();
    await expect(c.connect("", 80)).rejects.toThrow(TypeError);
    await expect(c.connect("127.0.0.1", 0)).rejects.toThrow(RangeError);
    await expect(c.connect("127.0.0.1", 80, { timeoutMs: -1 })).rejects.toThrow(RangeError);
    await expect(c.connect("::1", 80, { family: 4 })).rejects.toThrow(RangeError);
    await expect(c.connect("127.0.0.1", 80, { sourceIp: "nope" })).rejects.toThrow(TypeError);
    expect(() => new TCPClient({ resolver: 1 as never })).toThrow(TypeError);
  });
});

describe("addAcceptHandler", () => {
  it("accepts at most maxAcceptsPerEvent connections per readiness event", async () => {
    const [fd] = await bindSockets(0, "127.0.0.1");
    fx.trackFd(fd);
    const { port } = pn.getsockname(fd);
    const clients: number[] = [];
    for (let i = 0; i < 5; i++) {
      const c = fx.trackFd(pn.socket(4));
      pn.connect(c, "127.0.0.1", port);
      clients.push(c);
    }
    await sleep(50); // let the handshakes land in the accept queue
    const perTick: number[] = [];
    let current = 0;
    const accepted: number[] = [];
    const remove = addAcceptHandler(
      fd,
      (conn, address) => {
        expect(address).toMatchObject({ family: "IPv4", address: "127.0.0.1" });
        accepted.push(fx.trackFd(conn));
        if (current++ === 0)
          fx.loop.addCallback(() => {
            perTick.push(current);
            current = 0;
          });
      },
      { maxAcceptsPerEvent: 2 },
    );
    await waitFor(() => accepted.length === 5, 3000, "5 accepts");
    await waitFor(() => perTick.reduce((a, b) => a + b, 0) === 5, 1000, "ticks");
    expect(Math.max(...perTick)).toBeLessThanOrEqual(2);
    remove();
    const late = fx.trackFd(pn.socket(4));
    pn.connect(late, "127.0.0.1", port);
    await sleep(100);
    expect(accepted).toHaveLength(5);
    expect(() => addAcceptHandler(fd, () => {}, { maxAcceptsPerEvent: 0 })).toThrow(RangeError);
  });
});
