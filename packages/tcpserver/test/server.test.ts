// TCPServer over real sockets: echo on IPv4/IPv6/Unix, port 0, EADDRINUSE, TLS, limits, stop and shutdown.

import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type IOStream, SSLIOStream } from "@t/iostream";
import * as pn from "@t/poller-native";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  bindSockets,
  bindUnixSocket,
  ServerStateError,
  TCPClient,
  TCPServer,
  type TCPServerOptions,
} from "../src/index.js";
import {
  CapturingLogger,
  closedByPeer,
  exchange,
  LoopFixture,
  sleep,
  tlsFixtures,
  waitFor,
  within,
} from "./helpers.js";

let fx: LoopFixture;
beforeEach(() => {
  fx = new LoopFixture();
});
afterEach(async () => {
  await fx.dispose();
});

const echo = async (stream: IOStream | SSLIOStream) => {
  for (;;) await stream.write(await stream.readUntil("\n"));
};

function server(options: TCPServerOptions = {}): TCPServer {
  const s = new TCPServer({ logger: fx.logger, handleStream: echo, ...options });
  fx.track({ close: () => s.stop() });
  return s;
}

describe("TCPServer echo", () => {
  it("echoes lines over IPv4 on a port picked by the kernel", async () => {
    const s = server();
    await s.listen(0, "127.0.0.1");
    const [addr] = s.addresses();
    expect(addr.family).toBe("IPv4");
    expect(addr.port).toBeGreaterThan(0);
    const c = await fx.connect("127.0.0.1", addr.port);
    expect(await exchange(c, "hello\nworld\n")).toBe("hello\nworld\n");
    await waitFor(() => s.connectionCount === 1);
    expect(fx.logger.problems()).toEqual([]);
  });

  it("echoes lines over IPv6", async () => {
    const s = server();
    await s.listen(0, "::1");
    const [addr] = s.addresses();
    expect(addr).toMatchObject({ family: "IPv6", address: "::1" });
    const c = await fx.connect("::1", addr.port);
    expect(await exchange(c, "v6\n")).toBe("v6\n");
  });

  it("echoes lines over a Unix socket with the file mode asked for", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tcpserver-"));
    try {
      const path = join(dir, "echo.sock");
      const s = server();
      s.addSockets([bindUnixSocket(path, { mode: 0o640 })]);
      expect(statSync(path).mode & 0o777).toBe(0o640);
      expect(s.addresses()[0]).toMatchObject({ family: "unix", address: path });
      const c = await fx.connect(path);
      expect(await exchange(c, "unix\n")).toBe("unix\n");
      c.destroy();
      s.stop();
      // A stale socket file from an earlier run is replaced, any other file is refused.
      const fd = fx.trackFd(bindUnixSocket(path));
      pn.close(fd);
      rmSync(path);
      const regular = join(dir, "regular");
      rmSync(regular, { force: true });
      await import("node:fs").then((fs) => fs.writeFileSync(regular, "x"));
      expect(() => bindUnixSocket(regular)).toThrow(/not a socket/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("binds port 0 once for both families when no address is given", async () => {
    const fds = await bindSockets(0);
    for (const fd of fds) fx.trackFd(fd);
    const names = fds.map((fd) => pn.getsockname(fd));
    expect(names.map((n) => n.family).sort()).toEqual(["IPv4", "IPv6"]);
    expect(names[0].port).toBe(names[1].port);
    expect(names.map((n) => n.address).sort()).toEqual(["0.0.0.0", "::"]);
    // IPV6_V6ONLY: the v6 socket does not take v4-mapped connections.
    const v6 = fds[names.findIndex((n) => n.family === "IPv6")];
    expect(pn.getsockopt(v6, pn.constants.IPPROTO_IPV6, pn.constants.IPV6_V6ONLY)).toBe(1);
    const s = server();
    s.addSockets(fds);
    const a = await fx.connect("127.0.0.1", names[0].port);
    const b = await fx.connect("::1", names[0].port);
    expect(await exchange(a, "four\n")).toBe("four\n");
    expect(await exchange(b, "six\n")).toBe("six\n");
  });

  it("bindSockets with family 6 binds only the IPv6 wildcard", async () => {
    const fds = await bindSockets(0, "", { family: 6 });
    for (const fd of fds) fx.trackFd(fd);
    expect(fds.map((fd) => pn.getsockname(fd).family)).toEqual(["IPv6"]);
  });

  it("rejects with an EADDRINUSE system error when the port is taken", async () => {
    const s = server();
    await s.listen(0, "127.0.0.1");
    const { port } = s.addresses()[0];
    const err = await bindSockets(port, "127.0.0.1").catch((e: unknown) => e);
    expect(pn.isSystemError(err)).toBe(true);
    expect(err).toMatchObject({ code: "EADDRINUSE", syscall: "bind", port });
    await expect(server().listen(port, "127.0.0.1")).rejects.toMatchObject({ code: "EADDRINUSE" });
  });

  it("reusePort lets two servers share one port, and the kernel spreads connections over both", async () => {
    const seen = { a: 0, b: 0 };
    const counting = (key: "a" | "b") => async (stream: IOStream | SSLIOStream) => {
      seen[key]++;
      await echo(stream);
    };
    const a = server({ handleStream: counting("a") });
    await a.listen(0, "127.0.0.1", { reusePort: true });
    const { port } = a.addresses()[0];
    const b = server({ handleStream: counting("b") });
    await b.listen(port, "127.0.0.1", { reusePort: true });
    // Without reusePort the same bind fails.
    await expect(bindSockets(port, "127.0.0.1")).rejects.toMatchObject({ code: "EADDRINUSE" });
    for (let i = 0; i < 64 && (seen.a === 0 || seen.b === 0); i++) {
      const c = await fx.connect("127.0.0.1", port);
      expect(await exchange(c, `n${i}\n`)).toBe(`n${i}\n`);
      c.destroy();
    }
    expect(seen.a).toBeGreaterThan(0);
    expect(seen.b).toBeGreaterThan(0);
  });

  it("validates its arguments with TypeError/RangeError", async () => {
    await expect(bindSockets(70000)).rejects.toThrow(RangeError);
    await expect(bindSockets(0, "127.0.0.1", { backlog: -1 })).rejects.toThrow(RangeError);
    await expect(bindSockets(0, "127.0.0.1", { family: 5 as 4 })).rejects.toThrow(RangeError);
    await expect(bindSockets(0, "127.0.0.1", { family: 6 })).rejects.toMatchObject({
      code: "T_ERR_NO_ADDRESS",
    });
    expect(() => new TCPServer({ maxBufferSize: 0 })).toThrow(RangeError);
    expect(() => new TCPServer({ readChunkSize: 1.5 })).toThrow(TypeError);
    expect(() => new TCPServer({ handleStream: 3 as never })).toThrow(TypeError);
    expect(() => server().addSockets([-1])).toThrow(TypeError);
    expect(() => bindUnixSocket("")).toThrow(TypeError);
  });
});

describe("TCPServer TLS", () => {
  it("hands handleStream an SSLIOStream after the handshake and echoes through TLS", async () => {
    let seen: unknown = null;
    const s = server({
      ssl: { key: tlsFixtures.key, cert: tlsFixtures.cert },
      handleStream: async (stream) => {
        seen = stream;
        expect(s.connectionCount).toBe(1);
        await echo(stream);
      },
    });
    await s.listen(0, "127.0.0.1");
    const { port } = s.addresses()[0];
    const client = new TCPClient({ loop: fx.loop });
    for (const host of ["localhost", "127.0.0.1"]) {
      const stream = fx.track(await client.connect(host, port, { ssl: { ca: tlsFixtures.ca } }));
      await stream.write("secret\n");
      expect((await within(stream.readUntil("\n"))).toString()).toBe("secret\n");
      stream.close();
    }
    expect(seen).toBeInstanceOf(SSLIOStream);
    // The owner close hook forgot each TLS connection once it closed.
    await waitFor(() => s.connectionCount === 0);
    expect(fx.logger.problems()).toEqual([]);
  });

  it("stops counting a connection whose handler upgrades it with startTls (the close hook)", async () => {
    let countAfterUpgrade = -1;
    const s = server({
      handleStream: async (stream) => {
        const plain = stream as IOStream;
        await plain.readUntil("\n");
        const upgrading = plain.startTls({
          serverSide: true,
          tls: { key: tlsFixtures.key, cert: tlsFixtures.cert },
        });
        countAfterUpgrade = s.connectionCount;
        const tls = await upgrading;
        await echo(tls);
      },
    });
    await s.listen(0, "127.0.0.1");
    const { port } = s.addresses()[0];
    const c = fx.track(await new TCPClient({ loop: fx.loop }).connect("127.0.0.1", port));
    await c.write("STARTTLS\n");
    await waitFor(() => countAfterUpgrade !== -1);
    expect(countAfterUpgrade).toBe(0);
    const tls = fx.track(
      await within(
        (c as IOStream).startTls({
          serverSide: false,
          serverHostname: "localhost",
          tls: { ca: tlsFixtures.ca },
        }),
      ),
    );
    await tls.write("secret\n");
    expect((await within(tls.readUntil("\n"))).toString()).toBe("secret\n");
    tls.close();
  });

  it("logs a failed handshake at debug level (peers cannot flood the log) and closes the connection", async () => {
    const s = server({ ssl: { key: tlsFixtures.key, cert: tlsFixtures.cert } });
    await s.listen(0, "127.0.0.1");
    const c = await fx.connect("127.0.0.1", s.addresses()[0].port);
    c.write("this is not a TLS client hello\r\n\r\n");
    await closedByPeer(c);
    const failed = () =>
      fx.logger.entries.filter((e) => /TLS handshake .* failed/.test(CapturingLogger.text(e)));
    await waitFor(() => failed().length === 1);
    expect(failed()[0].level).toBe("debug");
    expect(fx.logger.problems()).toEqual([]);
    await waitFor(() => s.connectionCount === 0);
  });

  it("rejects a client whose certificate check fails", async () => {
    const s = server({ ssl: { key: tlsFixtures.key, cert: tlsFixtures.cert } });
    await s.listen(0, "127.0.0.1");
    const client = new TCPClient({ loop: fx.loop });
    await expect(
      client.connect("127.0.0.1", s.addresses()[0].port, { ssl: true, timeoutMs: 5000 }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/CERT|SELF_SIGNED|UNABLE/) });
    // The server side sees the client's alert and logs it at debug level.
    await waitFor(() =>
      fx.logger.entries.some((e) => /TLS handshake .* failed/.test(CapturingLogger.text(e))),
    );
    expect(fx.logger.problems()).toEqual([]);
  });
});

describe("TCPServer handlers and limits", () => {
  it("logs a handler's error and closes that stream; a peer that left is only a debug line", async () => {
    const s = server({
      handleStream: async (stream) => {
        const line = (await stream.readUntil("\n")).toString();
        if (line === "boom\n") throw new Error("handler exploded");
      },
    });
    await s.listen(0, "127.0.0.1");
    const { port } = s.addresses()[0];
    const a = await fx.connect("127.0.0.1", port);
    a.write("boom\n");
    await closedByPeer(a);
    const b = await fx.connect("127.0.0.1", port);
    b.destroy();
    await waitFor(() => fx.logger.entries.some((e) => e.level === "debug"));
    const problems = fx.logger.problems();
    expect(problems).toHaveLength(1);
    expect(problems[0].level).toBe("error");
    expect((problems[0].obj as Error).message).toBe("handler exploded");
    await waitFor(() => s.connectionCount === 0);
  });

  it("applies the stream limits to accepted streams", async () => {
    let failure: unknown;
    const s = server({
      maxBufferSize: 64,
      readChunkSize: 16,
      handleStream: async (stream) => {
        try {
          await stream.readUntil("\n");
        } catch (err) {
          failure = err;
        }
      },
    });
    await s.listen(0, "127.0.0.1");
    const c = await fx.connect("127.0.0.1", s.addresses()[0].port);
    c.write("x".repeat(1000));
    await closedByPeer(c);
    expect(failure).toMatchObject({ code: "T_ERR_STREAM_BUFFER_FULL" });
  });

  it("a server without a handler logs once and closes connections", async () => {
    const s = new TCPServer({ logger: fx.logger });
    fx.track({ close: () => s.stop() });
    await s.listen(0, "127.0.0.1");
    const { port } = s.addresses()[0];
    for (let i = 0; i < 2; i++) await closedByPeer(await fx.connect("127.0.0.1", port));
    expect(fx.logger.problems()).toHaveLength(1);
    fx.logger.entries.length = 0;
  });

  it("subclasses override handleStream (Tornado style)", async () => {
    class Greeter extends TCPServer {
      override async handleStream(stream: IOStream | SSLIOStream) {
        await stream.write("hi\n");
        stream.close();
      }
    }
    const s = new Greeter({ logger: fx.logger });
    fx.track({ close: () => s.stop() });
    await s.listen(0, "127.0.0.1");
    const c = await fx.connect("127.0.0.1", s.addresses()[0].port);
    const got: Buffer[] = [];
    c.on("data", (d) => got.push(d));
    await closedByPeer(c);
    expect(Buffer.concat(got).toString()).toBe("hi\n");
  });
});

describe("TCPServer stop, bind/start and shutdown", () => {
  it("stop() closes the listening sockets but leaves open connections alone", async () => {
    const s = server();
    await s.listen(0, "127.0.0.1");
    const { port } = s.addresses()[0];
    const c = await fx.connect("127.0.0.1", port);
    await exchange(c, "before\n");
    s.stop();
    expect(s.addresses()).toEqual([]);
    await expect(fx.connect("127.0.0.1", port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(await exchange(c, "after\n")).toBe("after\n");
  });

  it("bind() then start(1) serves in this process; start twice is a ServerStateError", async () => {
    const s = server();
    await s.bind(0, "127.0.0.1");
    const { port } = s.addresses()[0];
    await s.start(1);
    const c = await fx.connect("127.0.0.1", port);
    expect(await exchange(c, "started\n")).toBe("started\n");
    await expect(s.start(1)).rejects.toThrow(ServerStateError);
    await expect(s.bind(0)).rejects.toMatchObject({ code: "T_ERR_SERVER_STATE" });
  });

  it("shutdown waits for in-flight connections, then runs the hooks in order", async () => {
    const s = server();
    await s.listen(0, "127.0.0.1");
    const { port } = s.addresses()[0];
    const c = await fx.connect("127.0.0.1", port);
    await exchange(c, "one\n");
    const order: string[] = [];
    s.addShutdownHook(async () => {
      await sleep(10);
      order.push("first");
    });
    s.addShutdownHook(() => order.push("second"));
    let done = false;
    const p = s.shutdown({ deadlineMs: 5000 }).then(() => {
      done = true;
    });
    expect(s.shutdown()).toBe(s.shutdown());
    await sleep(100);
    expect(done).toBe(false);
    // Not accepting any more, but the in-flight connection is still served.
    await expect(fx.connect("127.0.0.1", port)).rejects.toMatchObject({ code: "ECONNREFUSED" });
    expect(await exchange(c, "two\n")).toBe("two\n");
    c.end();
    await within(p, 5000, "shutdown");
    expect(order).toEqual(["first", "second"]);
    expect(s.connectionCount).toBe(0);
    expect(() => s.addSockets([])).toThrow(ServerStateError);
  });

  it("shutdown asks every connection's owner to wind down; one that throws stops none of the others", async () => {
    const drained: number[] = [];
    let n = 0;
    const s = server({
      handleStream: async (stream) => {
        const id = n++;
        stream.setDrainCallback(() => {
          drained.push(id);
          if (id === 0) throw new Error("drain callback of connection 0 failed");
          stream.close();
        });
        await echo(stream);
      },
    });
    await s.listen(0, "127.0.0.1");
    const { port } = s.addresses()[0];
    const first = await fx.connect("127.0.0.1", port);
    await exchange(first, "a\n");
    const second = await fx.connect("127.0.0.1", port);
    await exchange(second, "b\n");
    let hookRan = false;
    s.addShutdownHook(() => {
      hookRan = true;
    });
    const closed = closedByPeer(second);
    // Connection 0 stays open (its owner failed): the deadline closes it; the hook still runs.
    await within(s.shutdown({ deadlineMs: 200 }), 10_000, "shutdown");
    expect(drained.sort()).toEqual([0, 1]);
    await within(closed, 5000, "the second connection closed by its drain callback");
    expect(hookRan).toBe(true);
    expect(s.connectionCount).toBe(0);
    const errors = fx.logger.problems().map((e) => CapturingLogger.text(e));
    expect(errors.some((t) => t.includes("drain callback of connection 0 failed"))).toBe(true);
    fx.logger.entries.length = 0; // the expected error is checked
  });

  it("a drain callback set after the drain was asked for runs at once (an upgrade during shutdown)", async () => {
    let later: () => void = () => {};
    const calls: string[] = [];
    const s = server({
      handleStream: async (stream) => {
        later = () => stream.setDrainCallback(() => calls.push("late owner"));
        await echo(stream);
      },
    });
    await s.listen(0, "127.0.0.1");
    const c = await fx.connect("127.0.0.1", s.addresses()[0].port);
    await exchange(c, "x\n");
    const done = s.shutdown({ deadlineMs: 200 }); // no callback yet: nothing to call
    later();
    expect(calls).toEqual(["late owner"]);
    await within(done, 10_000, "shutdown");
  });

  it("shutdown closes connections still open at the deadline", async () => {
    const s = server();
    await s.listen(0, "127.0.0.1");
    const c = await fx.connect("127.0.0.1", s.addresses()[0].port);
    await exchange(c, "x\n");
    const t0 = Date.now();
    await within(s.shutdown({ deadlineMs: 150 }), 5000, "shutdown");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    await closedByPeer(c);
    expect(s.connectionCount).toBe(0);
    expect(
      fx.logger.entries.some((e) => /still open after 150 ms/.test(CapturingLogger.text(e))),
    ).toBe(true);
  });
});
