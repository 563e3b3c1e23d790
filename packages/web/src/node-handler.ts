// Mounting a plain Node (req, res) handler — an Express or connect app — inside an Application.

import { IncomingMessage, ServerResponse, STATUS_CODES } from "node:http";
import { Stream } from "node:stream";
import { HTTPHeaders, type HTTPServerRequest } from "@t/httpserver";
import type { HandlerHost } from "./handler-host.js";
import { type HandlerClass, RequestHandler } from "./request-handler.js";

/** A Node request listener, e.g. an Express app. */
export type NodeRequestListener = (req: IncomingMessage, res: ServerResponse) => unknown;

/** Headers Node keeps only once (a repeat is dropped), as `http.IncomingMessage` does. */
const SINGLE = new Set([
  "content-type",
  "content-length",
  "user-agent",
  "referer",
  "host",
  "authorization",
  "proxy-authorization",
  "if-modified-since",
  "if-unmodified-since",
  "from",
  "location",
  "max-forwards",
  "retry-after",
  "etag",
  "last-modified",
  "server",
  "age",
  "expires",
]);

/** Node's `req.headers` object for our headers. */
export function toNodeHeaders(headers: HTTPHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const prev = out[key];
    if (key === "set-cookie") {
      if (prev === undefined) out[key] = [value];
      else (prev as string[]).push(value);
    } else if (prev === undefined) out[key] = value;
    else if (SINGLE.has(key)) continue;
    else out[key] = `${prev}${key === "cookie" ? "; " : ", "}${value}`;
  }
  return out;
}

/**
 * What `req.socket` is for the Node handler: the peer's address and whether the connection is
 * TLS (Express reads `remoteAddress` and `encrypted`); `destroy()` closes our connection.
 */
class ContainerSocket extends Stream {
  readonly remoteAddress: string;
  readonly remoteFamily: string;
  readonly remotePort: number | undefined = undefined;
  readonly encrypted: boolean | undefined;
  /** on-finished (used by body-parser and finalhandler) treats a non-readable socket as done. */
  readable = true;
  writable = true;
  destroyed = false;
  readonly readableHighWaterMark = 16384;
  private readonly onDestroy: () => void;

  constructor(remoteIp: string, tls: boolean, onDestroy: () => void) {
    super();
    this.remoteAddress = remoteIp;
    this.remoteFamily = remoteIp.includes(":") ? "IPv6" : "IPv4";
    this.encrypted = tls ? true : undefined;
    this.onDestroy = onDestroy;
  }

  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      this.readable = false;
      this.writable = false;
      this.onDestroy();
      this.emit("close");
    }
    return this;
  }

  setTimeout(): this {
    return this;
  }
  /** IncomingMessage calls these for flow control; the body arrives through `push`. */
  pause(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  address(): { address: string; family: string; port: number } {
    return { address: this.remoteAddress, family: this.remoteFamily, port: 0 };
  }
}

type Cb = (err?: Error | null) => void;

/**
 * Runs a Node `(req, res)` listener for the requests of its route (the analogue of Tornado's
 * `WSGIContainer`). `req` is a real `http.IncomingMessage` fed with the streamed request body;
 * `res` is a real `http.ServerResponse` whose `writeHead`/`write`/`end`/`flushHeaders` send
 * through our connection, so header bookkeeping (`setHeader`, `getHeader`, `headersSent`,
 * `statusCode`) is Node's own. initArgs: `handler` (the listener).
 *
 * ```ts
 * new Application([["/api/.*", NodeHandlerContainer, { handler: expressApp }]]);
 * // or: [["/api/.*", mountNodeHandler(expressApp)]]
 * ```
 */
export class NodeHandlerContainer extends RequestHandler {
  static override streamRequestBody = true;
  private listener: NodeRequestListener | null = null;
  private nodeReq: IncomingMessage | null = null;
  private nodeRes: ServerResponse | null = null;
  /** Resolves the pause of the connection once the Node handler reads again. */
  private readWaiter: (() => void) | null = null;
  /** `initArgs.skipXsrfCheck`: the mounted app protects itself against CSRF. */
  private skipXsrf = false;

  constructor(application: HandlerHost, request: HTTPServerRequest) {
    super(application, request);
    this.autoFinish = false;
  }

  override initialize(initArgs: Record<string, unknown>): void {
    if (typeof initArgs.handler !== "function") {
      throw new TypeError("NodeHandlerContainer needs initArgs.handler: a (req, res) function");
    }
    this.listener = initArgs.handler as NodeRequestListener;
    this.skipXsrf = initArgs.skipXsrfCheck === true;
  }

  /**
   * With the `xsrfCookies` setting, POSTs to the mounted app are checked like any handler's
   * (Tornado's container does the same) — from the `X-XSRFToken`/`X-CSRFToken` header or the
   * query, since the body streams to the app unparsed. Mount with `{ skipXsrfCheck: true }`
   * when the app does its own CSRF protection.
   */
  override checkXsrfCookie(): void {
    if (!this.skipXsrf) super.checkXsrfCookie();
  }

  override prepare(): void {
    const r = this.request;
    const socket = new ContainerSocket(r.remoteIp, r.protocol === "https", () => this.abort());
    const req = new IncomingMessage(socket as unknown as import("node:net").Socket);
    req.method = r.method;
    req.url = r.uri;
    const version = r.version.slice(5);
    req.httpVersion = version;
    req.httpVersionMajor = Number(version[0]);
    req.httpVersionMinor = Number(version[2]);
    req.headers = toNodeHeaders(r.headers) as IncomingMessage["headers"];
    req.rawHeaders = r.headers.raw.slice();
    // Flow control: when the listener stops reading, `push` returns false and the connection
    // pauses until Readable asks for more through `_read` (an own property survives Express
    // replacing the prototype).
    (req as unknown as { _read: () => void })._read = () => {
      (req as unknown as { _consuming: boolean })._consuming = true;
      const w = this.readWaiter;
      this.readWaiter = null;
      w?.();
    };
    const res = new ServerResponse(req);
    this.nodeReq = req;
    this.nodeRes = res;
    this.wireResponse(res);
    try {
      const ret = this.listener?.(req, res);
      if (
        ret !== null &&
        typeof ret === "object" &&
        typeof (ret as Promise<unknown>).then === "function"
      ) {
        (ret as Promise<unknown>).then(undefined, (err: unknown) => this.listenerFailed(err));
      }
    } catch (err) {
      this.listenerFailed(err);
    }
  }

  private listenerFailed(err: unknown): void {
    this.application.logger.error(
      err,
      `Uncaught exception in Node handler ${this.requestSummary()}`,
    );
    const res = this.nodeRes;
    if (res === null || res.writableEnded) return;
    if (!res.headersSent) {
      res.statusCode = 500;
      res.setHeader("Content-Type", "text/plain; charset=utf-8");
      res.end("Internal Server Error");
    } else {
      this.abort();
    }
  }

  private abort(): void {
    const conn = this.request.connection as { detach?: () => { close(): void } } | null;
    if (conn !== null && typeof conn.detach === "function" && !this.finished) {
      try {
        conn.detach().close();
      } catch {}
    }
  }

  override dataReceived(chunk: Buffer): void | Promise<void> {
    const req = this.nodeReq;
    if (req === null || req.destroyed) return;
    if (req.push(chunk)) return;
    return new Promise<void>((resolve) => {
      this.readWaiter = resolve;
    });
  }

  private bodyComplete(): void {
    const req = this.nodeReq;
    if (req === null || req.complete) return;
    req.complete = true;
    req.push(null);
  }

  override get(): void {
    this.bodyComplete();
  }
  override head(): void {
    this.bodyComplete();
  }
  override post(): void {
    this.bodyComplete();
  }
  override put(): void {
    this.bodyComplete();
  }
  override patch(): void {
    this.bodyComplete();
  }
  override delete(): void {
    this.bodyComplete();
  }
  override options(): void {
    this.bodyComplete();
  }

  override onConnectionClose(): void {
    const w = this.readWaiter;
    this.readWaiter = null;
    w?.();
    const req = this.nodeReq;
    if (req !== null && !req.destroyed) req.destroy();
    const res = this.nodeRes;
    if (res !== null && !res.writableEnded) res.emit("close");
  }

  /** Replace the sending methods of a real ServerResponse with ones that write to our connection. */
  private wireResponse(res: ServerResponse): void {
    const handler = this;
    const conn = this.request.connection;
    let headSent = false;
    let pending = 0;
    let needDrain = false;
    const state = res as unknown as {
      _header: string | null;
      finished: boolean;
      statusMessage: string;
    };

    const headers = (): HTTPHeaders => {
      const h = new HTTPHeaders();
      const names = res.getHeaderNames();
      const raw = (res as unknown as { getRawHeaderNames(): string[] }).getRawHeaderNames();
      for (let i = 0; i < names.length; i++) {
        const v = res.getHeader(names[i]);
        const name = raw[i] ?? names[i];
        if (Array.isArray(v)) for (const item of v) h.add(name, String(item));
        else if (v !== undefined) h.add(name, String(v));
      }
      return h;
    };
    const sendHead = (chunk: Buffer | undefined): Promise<void> => {
      headSent = true;
      const code = res.statusCode;
      const reason = state.statusMessage || STATUS_CODES[code] || "Unknown";
      if (conn === null) return Promise.resolve();
      return conn.writeHeaders({ code, reason }, headers(), chunk);
    };
    const toBuffer = (chunk: unknown, encoding: unknown): Buffer => {
      if (typeof chunk === "string")
        return Buffer.from(chunk, (encoding as BufferEncoding) || "utf8");
      if (chunk instanceof Uint8Array)
        return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      throw new TypeError(
        'The "chunk" argument must be of type string or an instance of Buffer or Uint8Array',
      );
    };
    const track = (p: Promise<void>): boolean => {
      pending++;
      p.then(
        () => {
          pending--;
          if (needDrain && pending === 0) {
            needDrain = false;
            res.emit("drain");
          }
        },
        () => {
          pending--;
        },
      );
      if (pending > 8) needDrain = true;
      return !needDrain;
    };

    const own = res as unknown as Record<string, unknown>;
    own.writeHead = function writeHead(
      this: ServerResponse,
      statusCode: number,
      reason?: string | Record<string, unknown> | unknown[],
      hdrs?: Record<string, unknown> | unknown[],
    ): ServerResponse {
      if (state._header) {
        const err = new Error("Cannot write headers after they are sent to the client") as Error & {
          code: string;
        };
        err.code = "ERR_HTTP_HEADERS_SENT";
        throw err;
      }
      if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 999) {
        const err = new RangeError(`Invalid status code: ${statusCode}`) as RangeError & {
          code: string;
        };
        err.code = "ERR_HTTP_INVALID_STATUS_CODE";
        throw err;
      }
      let extra = hdrs;
      if (typeof reason === "string") state.statusMessage = reason;
      else extra = reason;
      res.statusCode = statusCode;
      if (Array.isArray(extra)) {
        for (let i = 0; i + 1 < extra.length; i += 2)
          res.setHeader(String(extra[i]), extra[i + 1] as string);
      } else if (extra !== undefined && extra !== null) {
        for (const k of Object.keys(extra)) res.setHeader(k, extra[k] as string);
      }
      state._header = `HTTP/1.1 ${statusCode}`;
      return res;
    };
    own.flushHeaders = function flushHeaders(): void {
      if (!state._header) (own.writeHead as (c: number) => void).call(res, res.statusCode);
      if (!headSent) track(sendHead(undefined));
    };
    own.write = function write(chunk: unknown, encoding?: unknown, cb?: Cb): boolean {
      let callback = cb;
      let enc = encoding;
      if (typeof enc === "function") {
        callback = enc as Cb;
        enc = undefined;
      }
      if (state.finished) {
        const err = new Error("write after end") as Error & { code: string };
        err.code = "ERR_STREAM_WRITE_AFTER_END";
        process.nextTick(() => {
          callback?.(err);
          res.emit("error", err);
        });
        return false;
      }
      const data = toBuffer(chunk, enc);
      if (!state._header) (own.writeHead as (c: number) => void).call(res, res.statusCode);
      const p = headSent ? (conn === null ? Promise.resolve() : conn.write(data)) : sendHead(data);
      const ok = track(p);
      if (callback !== undefined) p.then(() => callback(), callback);
      return ok;
    };
    own.end = function end(chunk?: unknown, encoding?: unknown, cb?: Cb): ServerResponse {
      let data: unknown = chunk;
      let enc = encoding;
      let callback = cb;
      if (typeof data === "function") {
        callback = data as Cb;
        data = undefined;
      } else if (typeof enc === "function") {
        callback = enc as Cb;
        enc = undefined;
      }
      if (state.finished) {
        if (callback !== undefined) process.nextTick(callback);
        return res;
      }
      const body = data === undefined || data === null ? undefined : toBuffer(data, enc);
      if (!state._header) (own.writeHead as (c: number) => void).call(res, res.statusCode);
      if (!headSent) {
        track(sendHead(body));
      } else if (body !== undefined && body.length > 0 && conn !== null) {
        track(conn.write(body));
      }
      state.finished = true;
      try {
        conn?.finish();
      } catch (err) {
        handler.application.logger.error(err, "error finishing a Node handler's response");
      }
      handler.finishedElsewhere(res.statusCode);
      process.nextTick(() => {
        res.emit("prefinish");
        res.emit("finish");
        callback?.();
        res.emit("close");
      });
      return res;
    };
  }
}

/**
 * A handler class that runs `listener` (e.g. an Express app) for its route:
 * `[String.raw`/api/.*`, mountNodeHandler(app)]`.
 */
export function mountNodeHandler(listener: NodeRequestListener): HandlerClass {
  if (typeof listener !== "function")
    throw new TypeError("mountNodeHandler expects a (req, res) function");
  return class MountedNodeHandler extends NodeHandlerContainer {
    override initialize(initArgs: Record<string, unknown>): void {
      super.initialize({ ...initArgs, handler: initArgs.handler ?? listener });
    }
  };
}
