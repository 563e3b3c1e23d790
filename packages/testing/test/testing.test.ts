// @t/testing against real servers and sockets: each helper's success and its failure.

import { connect } from "node:net";
import { HTTPHeaders, HTTPServer, type HTTPServerRequest } from "@t/httpserver";
import { IOLoop, READ } from "@t/ioloop";
import { close as closeFd, pipe } from "@t/poller-native";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import {
  bindUnusedPort,
  CaptureLogger,
  connectWebSocket,
  ExpectLogError,
  expectLog,
  LeakError,
  LoopFixture,
  rejection,
  startApp,
  TestTimeoutError,
  waitFor,
  within,
  withLoop,
} from "../src/index.js";

function hello(req: HTTPServerRequest): void {
  if (req.path === "/boom") throw new Error("boom");
  req.connection.writeHeaders(
    { code: 200, reason: "OK" },
    new HTTPHeaders({ "Content-Type": "text/plain" }),
    Buffer.from(`Hello, ${req.arguments.name?.[0] ?? "world"} via ${req.path}`),
  );
  req.connection.finish();
}

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

describe("startApp", () => {
  it("serves a request callback on an unused 127.0.0.1 port with its own loop", async () => {
    const app = await startApp(hello);
    cleanups.push(() => app.close());
    expect(app.port).toBeGreaterThan(0);
    expect(app.url("/x")).toBe(`http://127.0.0.1:${app.port}/x`);
    expect(app.loop.running).toBe(true);
    const res = await app.fetch("/p?name=t");
    expect(await res.text()).toBe("Hello, t via /p");
    await app.close();
    expect(app.loop.closed).toBe(true);
    await expect(fetch(app.url("/"))).rejects.toThrow();
  });

  it("serves anything with Application's listen(), and listens on ::1", async () => {
    const listenable = {
      async listen(port: number, address: string, options: object) {
        const server = new HTTPServer(hello, options);
        await server.listen(port, address);
        return server;
      },
    };
    const app = await startApp(listenable, { address: "::1" });
    cleanups.push(() => app.close());
    expect(app.url("/")).toBe(`http://[::1]:${app.port}/`);
    expect(await (await app.fetch("/six")).text()).toBe("Hello, world via /six");
  });

  it("does not follow redirects, and uses the loop it is given without closing it", async () => {
    const fx = new LoopFixture();
    cleanups.push(() => fx.dispose());
    const app = await startApp(
      (req) => {
        req.connection.writeHeaders({ code: 302 }, new HTTPHeaders({ Location: "/elsewhere" }));
        req.connection.finish();
      },
      { loop: fx.loop },
    );
    const res = await app.fetch("/");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/elsewhere");
    await res.arrayBuffer();
    await app.close();
    expect(fx.loop.closed).toBe(false);
  });

  it("refuses a non-loopback address and a target that is not servable", async () => {
    await expect(startApp(hello, { address: "0.0.0.0" })).rejects.toThrow(RangeError);
    await expect(startApp(42 as never)).rejects.toThrow(TypeError);
  });
});

describe("withLoop and LoopFixture", () => {
  it("runs the body on a current, running loop and returns its value", async () => {
    const value = await withLoop(async (loop) => {
      expect(IOLoop.current()).toBe(loop);
      expect(loop.running).toBe(true);
      await new Promise<void>((resolve) => loop.callLater(1, resolve));
      return 42;
    });
    expect(value).toBe(42);
  });

  it("fails with LeakError on an fd handler left registered, and closes the fd", async () => {
    let fds: number[] = [];
    const err = await rejection(
      withLoop(
        (loop) => {
          fds = pipe();
          loop.addHandler(fds[0], () => {}, READ);
        },
        { leakGraceMs: 0 },
      ),
    );
    closeFd(fds[1]);
    expect(err).toBeInstanceOf(LeakError);
    expect(err.message).toMatch(/1 fd handler/);
    expect(() => closeFd(fds[0])).toThrow(/EBADF/); // close(true) already closed it
  });

  it("fails with LeakError on a timer left pending", async () => {
    const err = await rejection(
      withLoop((loop) => void loop.callLater(60_000, () => {}), { leakGraceMs: 0 }),
    );
    expect(err).toBeInstanceOf(LeakError);
    expect(err.message).toMatch(/1 timer/);
  });

  it("fails with LeakError on a socket left open", async () => {
    let port: Awaited<ReturnType<typeof bindUnusedPort>> | null = null;
    const err = await rejection(
      withLoop(
        async () => {
          port = await bindUnusedPort();
        },
        { leakGraceMs: 0 },
      ),
    );
    (port as unknown as { close(): void }).close();
    expect(err).toBeInstanceOf(LeakError);
    expect(err.message).toMatch(/socket fd/);
  });

  it("passes a test that cleans up after a server, its clients and their sockets", async () => {
    await withLoop(async (loop) => {
      const app = await startApp(hello, { loop });
      expect(await (await app.fetch("/")).text()).toBe("Hello, world via /");
      await app.close();
    });
  });

  it("fails a body that does not settle within timeoutMs, and reports that before leaks", async () => {
    const err = await rejection(withLoop(() => new Promise(() => {}), { timeoutMs: 50 }));
    expect(err).toBeInstanceOf(TestTimeoutError);
  });
});

describe("expectLog", () => {
  it("passes when the line appears, and keeps the expected line from the logger", async () => {
    const logger = new CaptureLogger();
    const out = await expectLog(logger, /disk full/, () => {
      logger.warn("disk full on /tmp");
      logger.info("unrelated");
      return 7;
    });
    expect(out).toBe(7);
    expect(logger.entries.map((e) => e.msg)).toEqual(["unrelated"]);
    expect(logger.warn).toBe(CaptureLogger.prototype.warn); // restored
  });

  it("fails when the line is missing, or when unexpected warnings are refused", async () => {
    const logger = new CaptureLogger();
    await expect(expectLog(logger, "never", () => {})).rejects.toThrow(ExpectLogError);
    await expect(
      expectLog(
        logger,
        /wanted/,
        () => {
          logger.warn("wanted");
          logger.error(new Error("surprise"), "request failed");
        },
        { allowUnexpected: false },
      ),
    ).rejects.toThrow(/unexpected log lines: error: request failed surprise/);
  });

  it("sees what a real server logs through its loop's logger", async () => {
    const logger = new CaptureLogger();
    const app = await startApp(hello, { serverOptions: { logger } });
    cleanups.push(() => app.close());
    const res = await expectLog(app.loop, /Uncaught exception/, () => app.fetch("/boom"));
    expect(res.status).toBe(500);
    await res.arrayBuffer();
    expect(logger.unexpected()).toEqual([]);
  });
});

describe("bindUnusedPort", () => {
  it("holds a listening port that a client can reach until closed", async () => {
    const port = await bindUnusedPort("127.0.0.1");
    const connected = await new Promise<boolean>((resolve) => {
      const s = connect(port.port, "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    expect(connected).toBe(true);
    port.close();
    port.close();
    const refused = await new Promise<string>((resolve) => {
      const s = connect(port.port, "127.0.0.1", () => resolve("connected"));
      s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? "error"));
    });
    expect(refused).toBe("ECONNREFUSED");
  });
});

describe("waitFor and within", () => {
  it("resolves with the predicate's value once it holds", async () => {
    let n = 0;
    const timer = setInterval(() => n++, 1);
    cleanups.push(() => clearInterval(timer));
    expect(await waitFor(() => (n >= 3 ? n : 0))).toBeGreaterThanOrEqual(3);
  });

  it("retries a throwing predicate with ignoreErrors, and keeps the last error as the cause", async () => {
    let n = 0;
    const value = await waitFor(
      () => {
        if (++n < 3) throw new Error(`not yet ${n}`);
        return n;
      },
      { ignoreErrors: true },
    );
    expect(value).toBe(3);
    await expect(waitFor(() => Promise.reject(new Error("down")))).rejects.toThrow("down");
    const err = await rejection(
      waitFor(() => Promise.reject(new Error("still down")), { ignoreErrors: true, timeoutMs: 20 }),
    );
    expect(err).toBeInstanceOf(TestTimeoutError);
    expect((err.cause as Error).message).toBe("still down");
  });

  it("rejects with TestTimeoutError naming what it waited for", async () => {
    const err = await rejection(waitFor(() => false, { timeoutMs: 20, what: "the moon" }));
    expect(err).toBeInstanceOf(TestTimeoutError);
    expect(err.message).toBe("the moon not reached within 20 ms");
    await expect(within(new Promise(() => {}), 10, "nothing")).rejects.toThrow(
      "nothing did not settle within 10 ms",
    );
    await expect(waitFor(() => true, { timeoutMs: -1 })).rejects.toThrow(RangeError);
  });
});

describe("connectWebSocket", () => {
  async function echoServer(): Promise<WebSocketServer> {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise((r) => wss.once("listening", r));
    wss.on("connection", (ws, req) => {
      if (req.url === "/close") ws.close(4000, "bye");
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
    cleanups.push(() => new Promise((r) => wss.close(r)));
    return wss;
  }

  it("queues messages until read, keeps text and binary apart, and closes cleanly", async () => {
    const wss = await echoServer();
    const { port } = wss.address() as { port: number };
    const ws = await connectWebSocket(`ws://127.0.0.1:${port}/echo`);
    await ws.send("one");
    await ws.send(Buffer.from([1, 2, 3]));
    await waitFor(() => ws.pending === 2);
    expect(await ws.nextMessage()).toBe("one");
    expect(await ws.nextMessage()).toEqual(Buffer.from([1, 2, 3]));
    await expect(ws.nextMessage(20)).rejects.toThrow(TestTimeoutError);
    expect(await ws.close(1000, "done")).toEqual({ code: 1000, reason: "done" });
  });

  it("reports the server's close code to a waiting reader", async () => {
    const wss = await echoServer();
    const { port } = wss.address() as { port: number };
    const ws = await connectWebSocket(`ws://127.0.0.1:${port}/close`);
    await expect(ws.nextMessage()).rejects.toThrow(/closed \(4000 bye\)/);
    expect(await ws.closed).toEqual({ code: 4000, reason: "bye" });
  });

  it("rejects a refused handshake with its HTTP status", async () => {
    const app = await startApp(hello);
    cleanups.push(() => app.close());
    await expect(connectWebSocket(`ws://127.0.0.1:${app.port}/`)).rejects.toThrow(/HTTP 200/);
  });
});
