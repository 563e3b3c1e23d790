// Test helpers: a running loop per test, a capturing logger, node:net clients and bounded waits.

import net from "node:net";
import type { Logger } from "@t/ioloop";
import * as pn from "@t/poller-native";
import { LoopFixture as CheckedLoopFixture, within } from "@t-tools/testing";

export { sleep, tlsFixtures, waitFor, within } from "@t-tools/testing";

/** One log call, as captured by {@link CapturingLogger}. */
export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  obj: unknown;
  msg: string | undefined;
}

/** A Logger that records every call; tests assert on it (a surprise warning fails the test). */
export class CapturingLogger implements Logger {
  readonly entries: LogEntry[] = [];
  debug(obj: unknown, msg?: string) {
    this.entries.push({ level: "debug", obj, msg });
  }
  info(obj: unknown, msg?: string) {
    this.entries.push({ level: "info", obj, msg });
  }
  warn(obj: unknown, msg?: string) {
    this.entries.push({ level: "warn", obj, msg });
  }
  error(obj: unknown, msg?: string) {
    this.entries.push({ level: "error", obj, msg });
  }
  /** Entries at warn or error level. */
  problems(): LogEntry[] {
    return this.entries.filter((e) => e.level === "warn" || e.level === "error");
  }
  /** The text of an entry (message plus the string form of its object). */
  static text(e: LogEntry): string {
    return `${typeof e.obj === "string" ? e.obj : ""} ${e.msg ?? ""} ${e.obj instanceof Error ? e.obj.message : ""}`;
  }
}

/**
 * @t/testing's loop fixture with a capturing logger (what a test `track`s is closed by
 * `dispose`, which then fails on leaked handlers, timers and sockets), plus node:net sockets.
 */
export class LoopFixture extends CheckedLoopFixture {
  readonly logger: CapturingLogger;

  constructor() {
    const logger = new CapturingLogger();
    super({ logger });
    this.logger = logger;
  }

  trackSocket(s: net.Socket): net.Socket {
    this.track({ close: () => s.destroy() });
    return s;
  }

  /** A node:net connection to `host:port` (or a Unix path), connected. */
  async connect(host: string, port?: number): Promise<net.Socket> {
    const s = this.trackSocket(
      port === undefined ? net.connect(host) : net.connect({ host, port }),
    );
    await within(
      new Promise<void>((resolve, reject) => {
        s.once("connect", resolve);
        s.once("error", reject);
      }),
      5000,
      `connect to ${host}:${port}`,
    );
    return s;
  }

  /**
   * A listening socket whose accept queue is full (backlog 0 plus one unaccepted connection),
   * so the kernel drops new SYNs and further connects stay pending: a loopback black hole.
   */
  blackHole(host: string, port = 0): { fd: number; port: number } {
    const family = host.includes(":") ? 6 : 4;
    const fd = this.trackFd(pn.socket(family));
    pn.setsockopt(fd, pn.constants.SOL_SOCKET, pn.constants.SO_REUSEADDR, 1);
    if (family === 6) pn.setsockopt(fd, pn.constants.IPPROTO_IPV6, pn.constants.IPV6_V6ONLY, 1);
    pn.bind(fd, host, port);
    pn.listen(fd, 0);
    const bound = pn.getsockname(fd).port;
    for (let i = 0; i < 2; i++) pn.connect(this.trackFd(pn.socket(family)), host, bound);
    return { fd, port: bound };
  }
}

/** Send `text` on `s` and resolve with what arrives until `want` bytes were received. */
export function exchange(s: net.Socket, text: string, want = Buffer.byteLength(text)) {
  return within(
    new Promise<string>((resolve, reject) => {
      let got = "";
      const onData = (d: Buffer) => {
        got += d.toString();
        if (got.length >= want) {
          s.off("data", onData);
          resolve(got);
        }
      };
      s.on("data", onData);
      s.once("error", reject);
      s.write(text);
    }),
    5000,
    "echo",
  );
}

/** Resolve once `s` was closed by the peer. */
export function closedByPeer(s: net.Socket, ms = 5000): Promise<void> {
  return within(
    new Promise<void>((resolve) => {
      if (s.destroyed || s.readableEnded) resolve();
      s.once("end", () => resolve());
      s.once("close", () => resolve());
      s.resume();
    }),
    ms,
    "peer close",
  );
}
