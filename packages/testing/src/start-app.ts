// startApp: an application, delegate or request callback served on an unused loopback port.

import { HTTPServer, type HTTPServerOptions, type RequestCallback } from "@t/httpserver";
import { IOLoop } from "@t/ioloop";
import { DEFAULT_WAIT_TIMEOUT_MS } from "./waits.js";

/** Something with Application's `listen(port, address, serverOptions)` (an @t/web Application). */
export interface Listenable {
  listen(port: number, address: string, serverOptions: HTTPServerOptions): Promise<HTTPServer>;
}

/** What {@link startApp} serves: an Application, an HTTPServer delegate or a request callback. */
export type AppTarget = Listenable | ConstructorParameters<typeof HTTPServer>[0];

/** Options of {@link startApp}. */
export interface StartAppOptions {
  /** HTTPServer options (limits, timeouts, `xheaders`, a logger…). */
  serverOptions?: HTTPServerOptions;
  /**
   * The loop to serve on. Default: a new IOLoop, made current and started, that `close()` stops
   * and closes.
   */
  loop?: IOLoop;
  /** The loopback address to listen on: "127.0.0.1" or "::1". Default "127.0.0.1". */
  address?: string;
  /** Abort a `fetch` of the returned TestApp after this many ms. Default 10000. */
  fetchTimeoutMs?: number;
}

/** A running server on an unused port (Tornado's `AsyncHTTPTestCase`). */
export interface TestApp {
  /** The port it listens on. */
  readonly port: number;
  /** The address it listens on. */
  readonly address: string;
  /** The HTTPServer. */
  readonly server: HTTPServer;
  /** The loop that drives it. */
  readonly loop: IOLoop;
  /** `http://127.0.0.1:<port><path>` (brackets for ::1). */
  url(path?: string): string;
  /**
   * The global `fetch` of `url(path)`, with redirects not followed (`redirect: "manual"`, as
   * Tornado's `fetch` in tests) and an abort after `fetchTimeoutMs`; `init` overrides both.
   */
  fetch(path?: string, init?: RequestInit): Promise<Response>;
  /**
   * Stop accepting, close every connection and, when startApp created the loop, stop and close
   * it. Idempotent.
   */
  close(): Promise<void>;
}

function isListenable(target: unknown): target is Listenable {
  return (
    target !== null &&
    typeof target === "object" &&
    typeof (target as { listen?: unknown }).listen === "function"
  );
}

/**
 * Serve `target` on an unused port of the loopback interface and resolve once it listens.
 * `target` is an @t/web Application (anything with its `listen`), an HTTPServer request callback,
 * or an HTTPServerConnectionDelegate.
 *
 * ```ts
 * const app = await startApp(new Application([["/", Hello]]));
 * const res = await app.fetch("/");
 * await app.close();
 * ```
 */
export async function startApp(target: AppTarget, options: StartAppOptions = {}): Promise<TestApp> {
  if (options === null || typeof options !== "object") {
    throw new TypeError("startApp options must be an object");
  }
  const address = options.address ?? "127.0.0.1";
  if (address !== "127.0.0.1" && address !== "::1") {
    throw new RangeError(`address must be "127.0.0.1" or "::1" (loopback only), got ${address}`);
  }
  const fetchTimeoutMs = options.fetchTimeoutMs ?? DEFAULT_WAIT_TIMEOUT_MS;
  if (typeof fetchTimeoutMs !== "number" || !(fetchTimeoutMs > 0)) {
    throw new RangeError(
      `fetchTimeoutMs must be a number of ms > 0, got ${String(fetchTimeoutMs)}`,
    );
  }
  const listenable = isListenable(target);
  if (
    !listenable &&
    typeof target !== "function" &&
    (target === null || typeof target !== "object")
  ) {
    throw new TypeError(
      "startApp expects an Application, a request callback or an HTTPServer delegate",
    );
  }
  const ownLoop = options.loop === undefined;
  const loop = options.loop ?? new IOLoop({ logger: options.serverOptions?.logger });
  let running: Promise<void> | null = null;
  if (ownLoop) {
    loop.makeCurrent();
    running = loop.start();
  }
  const serverOptions: HTTPServerOptions = { ...options.serverOptions, loop };
  let server: HTTPServer;
  try {
    if (listenable) {
      server = await target.listen(0, address, serverOptions);
    } else {
      server = new HTTPServer(target as RequestCallback, serverOptions);
      await server.listen(0, address);
    }
  } catch (err) {
    if (ownLoop) {
      loop.stop();
      await running;
      loop.close(true);
      if (IOLoop.current() === loop) IOLoop.clearCurrent();
    }
    throw err;
  }
  const port = server.addresses()[0].port;
  const host = address === "::1" ? "[::1]" : address;
  let closing: Promise<void> | null = null;
  const url = (path = "/") => `http://${host}:${port}${path}`;
  return {
    port,
    address,
    server,
    loop,
    url,
    fetch: (path = "/", init = {}) =>
      fetch(url(path), {
        redirect: "manual",
        signal: AbortSignal.timeout(fetchTimeoutMs),
        ...init,
      }),
    close(): Promise<void> {
      if (closing === null) {
        closing = (async () => {
          server.stop();
          await server.closeAllConnections();
          if (ownLoop) {
            loop.stop();
            await running;
            loop.close(true);
            if (IOLoop.current() === loop) IOLoop.clearCurrent();
          }
        })();
      }
      return closing;
    },
  };
}
