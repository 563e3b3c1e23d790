// A handler that carries on after its client left: nothing is sent, and nothing is logged as an error.

import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { RequestHandler } from "../src/index.js";
import { WebFixture } from "./helpers.js";

const templatePath = fileURLToPath(new URL("./templates", import.meta.url));

/** Signals between a test and the handler it drives (no sleeps). */
class Gate {
  entered!: () => void;
  release!: () => void;
  done!: (outcome: Record<string, unknown>) => void;
  readonly inside = new Promise<void>((r) => {
    this.entered = r;
  });
  readonly open = new Promise<void>((r) => {
    this.release = r;
  });
  readonly finished = new Promise<Record<string, unknown>>((r) => {
    this.done = r;
  });
}

let gate: Gate;

/** Waits for the test, then returns (auto-finish). */
class ReturnsLate extends RequestHandler {
  override async get() {
    gate.entered();
    await gate.open;
    this.write("nobody will read this");
  }
  override onFinish() {
    gate.done({ connectionClosed: this.connectionClosed });
  }
}

/** Waits until the client has gone, then renders a page anyway. */
class RendersLate extends RequestHandler {
  private gone: (() => void) | null = null;
  override async get() {
    const gone = new Promise<void>((r) => {
      this.gone = r;
    });
    gate.entered();
    await gone;
    await this.render("late", { title: "late" });
  }
  override onConnectionClose() {
    this.gone?.();
  }
  override onFinish() {
    gate.done({ connectionClosed: this.connectionClosed });
  }
}

/** Waits on its signal, as a handler passing it to fetch() would, and lets the abort escape. */
class AbortedBySignal extends RequestHandler {
  override async get() {
    const signal = this.signal;
    gate.entered();
    await new Promise((_, reject) => {
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
  }
  override onFinish() {
    gate.done({ connectionClosed: this.connectionClosed });
  }
}

/** Flushes twice after the connection closed under it, then returns. */
class FlushesLate extends RequestHandler {
  private closeHookRuns = 0;
  override async get() {
    gate.entered();
    await gate.open;
    this.write("first");
    const first = await this.flush().then(
      () => "sent",
      (err: Error & { code?: string }) => err.code,
    );
    this.write("second");
    const second = await this.flush().then(
      () => "sent",
      (err: Error & { code?: string }) => err.code,
    );
    this.write("third");
    gate.done({ first, second, closeHookRuns: this.closeHookRuns });
  }
  override onConnectionClose() {
    this.closeHookRuns++;
  }
}

let fx: WebFixture;
let sock: Socket | null = null;
beforeEach(() => {
  fx = new WebFixture();
  gate = new Gate();
});
afterEach(async () => {
  sock?.destroy();
  sock = null;
  const bad = fx.logger.unexpected();
  await fx.dispose();
  expect(bad.map((e) => `${e.level}: ${e.msg}`)).toEqual([]);
});

/** Wait until something other than the access line was logged about `path`. */
async function loggedAbout(path: string): Promise<void> {
  const re = new RegExp(`GET ${path} `);
  await fx.waitFor(() => fx.logger.entries.some((e) => e.level !== "info" && re.test(e.msg)));
}

/** Send `GET path` on a raw connection and wait until the handler is inside its verb method. */
async function requestAndWait(path: string): Promise<Socket> {
  const s = connect(fx.port, "127.0.0.1");
  sock = s;
  s.on("error", () => {});
  s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  await gate.inside;
  return s;
}

function debugLines(re: RegExp): string[] {
  return fx.logger.entries.filter((e) => e.level === "debug" && re.test(e.msg)).map((e) => e.msg);
}

describe("a handler whose client is gone", () => {
  it("returns after its connection closed (before the close callback ran): auto-finished quietly, at debug level", async () => {
    await fx.serve([["/late", ReturnsLate]]);
    await requestAndWait("/late");
    // The connection closes under the handler; its close callback runs a loop turn later, and
    // the handler returns in between — what a long poll does when a message arrives in the
    // same turn as the client's FIN.
    void fx.server?.closeAllConnections();
    gate.release();
    expect(await gate.finished).toEqual({ connectionClosed: true });
    expect(
      debugLines(/GET \/late .*the client closed the connection; the response was not sent/),
    ).toHaveLength(1);
    expect(fx.logger.entries.filter((e) => e.level === "error")).toEqual([]);
  });

  it("renders a page after the client closed its socket: no uncaught exception logged", async () => {
    await fx.serve([["/render", RendersLate]], { templatePath });
    const s = await requestAndWait("/render");
    s.destroy();
    expect(await gate.finished).toEqual({ connectionClosed: true });
    await loggedAbout("/render");
    expect(
      debugLines(/GET \/render .*stopped because the client closed the connection/),
    ).toHaveLength(1);
  });

  it("stopped by its signal's ClientGoneError: not an error", async () => {
    await fx.serve([["/signal", AbortedBySignal]]);
    const s = await requestAndWait("/signal");
    s.destroy();
    expect(await gate.finished).toEqual({ connectionClosed: true });
    await loggedAbout("/signal");
    expect(
      debugLines(/GET \/signal .*stopped because the client closed the connection/),
    ).toHaveLength(1);
  });

  it("flushes after its connection closed: both flushes reject, onConnectionClose runs once, the end is quiet", async () => {
    await fx.serve([["/flush", FlushesLate]]);
    const s = await requestAndWait("/flush");
    const closed = once(s, "close");
    void fx.server?.closeAllConnections();
    gate.release();
    expect(await gate.finished).toEqual({
      first: "T_ERR_HTTP_CONNECTION_CLOSED",
      second: "T_ERR_CLIENT_GONE",
      closeHookRuns: 1,
    });
    await closed;
    await fx.waitFor(() => fx.logger.entries.some((e) => /^200 GET \/flush/.test(e.msg)));
    expect(fx.logger.entries.filter((e) => e.level === "error")).toEqual([]);
  });
});
