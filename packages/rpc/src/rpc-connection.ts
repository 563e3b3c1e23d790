// RpcConnection: one peer-to-peer RPC session over an IOStream (calls both ways, out-of-order replies).

import type { IOLoop, Logger, TimeoutHandle } from "@t/ioloop";
import type { BaseIOStream } from "@t/iostream";
import {
  fromWireError,
  RpcDisconnectedError,
  RpcError,
  RpcHandlerTimeoutError,
  RpcMethodNotFoundError,
  RpcProtocolError,
  RpcShuttingDownError,
  RpcTimeoutError,
  toWireError,
  type WireError,
} from "./errors.js";
import { FrameReader, FrameWriter } from "./frame-codec.js";
import {
  FATAL,
  HELLO,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_NAME_LENGTH,
  NOTIFY,
  REQUEST,
  RESPONSE,
} from "./protocol.js";
import type { CallContext, MethodRegistry } from "./registry.js";

/** What an RpcConnection needs from its owner (RpcServer or RpcClient). */
export interface RpcConnectionOptions {
  /** The loop the stream runs on (timers). */
  loop: IOLoop;
  /** Where protocol faults are reported. */
  logger: Logger;
  /** Handlers this side serves. */
  registry: MethodRegistry;
  /** Most payload bytes per frame, both directions. */
  maxFrameBytes: number;
  /** Reply RpcHandlerTimeoutError when a handler has not settled after this many ms; 0 = never. */
  handlerTimeoutMs: number;
  /**
   * Server side: called with the client id of the hello frame, which must be the first frame
   * (within `helloTimeoutMs`). Client side: null.
   */
  onHello: ((conn: RpcConnection, clientId: string) => void) | null;
  /** Server side: ms to wait for the hello frame before closing. */
  helloTimeoutMs: number;
  /** Called once when the connection has closed; `error` says why (undefined: closed cleanly). */
  onClose: (conn: RpcConnection, error: Error | undefined) => void;
}

type Resolve = (value: unknown) => void;
type Reject = (err: Error) => void;

/** A call of ours waiting for its reply. */
class PendingCall {
  resolve: Resolve = noop;
  reject: Reject = noop;
  timer: TimeoutHandle | null = null;
  constructor(
    readonly id: number,
    readonly method: string,
  ) {}
}

/** A peer's call whose handler returned a promise. */
class InboundCall {
  settled = false;
  timer: TimeoutHandle | null = null;
  constructor(readonly id: number) {}
}

const noop = (): void => {};
const HELLO_METHOD = "(hello)";
/** Request ids are u32, never 0. */
const MAX_ID = 0xffffffff;

function isId(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v > 0 && v <= MAX_ID;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === "object" || typeof v === "function") &&
    typeof (v as { then?: unknown }).then === "function"
  );
}

function wire(name: string, code: string, message: string): WireError {
  return { name, code, message };
}

/**
 * A bidirectional RPC session over one stream: both sides may call (`apply`, `notify`) and serve
 * (their `registry`). Many calls may be in flight; replies are matched by request id in any
 * order. Outgoing frames produced in one turn are written together (flushed in a microtask).
 */
export class RpcConnection {
  /** The underlying stream. */
  readonly stream: BaseIOStream;
  /** The client id (server side: from the hello frame; "" until then). */
  clientId = "";

  private readonly loop: IOLoop;
  private readonly logger: Logger;
  private readonly registry: MethodRegistry;
  private readonly handlerTimeoutMs: number;
  private readonly onHello: ((conn: RpcConnection, clientId: string) => void) | null;
  private readonly onClose: (conn: RpcConnection, error: Error | undefined) => void;
  private readonly writer: FrameWriter;
  private readonly reader: FrameReader;
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 1;
  private inbound = 0;
  private awaitingHello: boolean;
  private helloTimer: TimeoutHandle | null = null;
  private draining = false;
  private closing = false;
  private isClosed = false;
  private flushScheduled = false;
  /** The last write the stream had to queue (settles when the queue up to it reached the kernel). */
  private lastWrite: Promise<void> | null = null;
  /** Reused message arrays (the encoder is synchronous, so one of each suffices). */
  private readonly req: unknown[] = [REQUEST, 0, "", null];
  private readonly res: unknown[] = [RESPONSE, 0, null, null];
  private readonly flushFn: () => void;
  private readonly callTimeoutFn: (id: number) => void;

  constructor(stream: BaseIOStream, options: RpcConnectionOptions) {
    this.stream = stream;
    this.loop = options.loop;
    this.logger = options.logger;
    this.registry = options.registry;
    this.handlerTimeoutMs = options.handlerTimeoutMs;
    this.onHello = options.onHello;
    this.onClose = options.onClose;
    this.awaitingHello = options.onHello !== null;
    this.writer = new FrameWriter(options.maxFrameBytes);
    this.reader = new FrameReader(options.maxFrameBytes, (m) => this.onMessage(m));
    this.flushFn = () => this.flush();
    this.callTimeoutFn = (id) => this.onCallTimeout(id);
    if (this.awaitingHello && options.helloTimeoutMs > 0) {
      this.helloTimer = this.loop.callLater(options.helloTimeoutMs, () => {
        this.helloTimer = null;
        if (this.awaitingHello) {
          this.fail(new RpcProtocolError(`no hello within ${options.helloTimeoutMs} ms`));
        }
      });
    }
    stream.setCloseCallback(() => this.finish(stream.error));
    const consume = this.reader.consume;
    stream.setDataConsumer((buf, start, end) => {
      try {
        return consume(buf, start, end);
      } catch (err) {
        this.fail(err as Error);
        return end - start;
      }
    });
  }

  /** True once the connection is closed (or closing). */
  get closed(): boolean {
    return this.isClosed || this.closing;
  }

  /** Our calls waiting for replies. */
  get pendingCalls(): number {
    return this.pending.size;
  }

  /** The peer's calls whose handlers are still running. */
  get activeHandlers(): number {
    return this.inbound;
  }

  /**
   * Call `method` on the peer with `args`. Resolves with its result; rejects with the peer's error
   * (RpcRemoteError, RpcMethodNotFoundError, …), RpcTimeoutError after `timeoutMs` (0 = no
   * limit), RpcDisconnectedError if the connection closes first, or at once with RpcEncodeError /
   * RpcFrameTooLargeError (the connection stays open).
   */
  apply(method: string, args: unknown[], timeoutMs: number): Promise<unknown> {
    if (this.closing || this.isClosed) {
      return Promise.reject(new RpcDisconnectedError(`cannot call "${method}": connection closed`));
    }
    if (this.draining) {
      return Promise.reject(new RpcShuttingDownError(`cannot call "${method}": shutting down`));
    }
    const id = this.allocId();
    const req = this.req;
    req[1] = id;
    req[2] = method;
    req[3] = args;
    try {
      this.writer.append(req);
    } catch (err) {
      return Promise.reject(err);
    } finally {
      req[3] = null;
    }
    this.scheduleFlush();
    return this.track(id, method, timeoutMs);
  }

  /** Send a hello frame with `clientId` (client side); resolves once the server accepted it. */
  hello(clientId: string, timeoutMs: number): Promise<unknown> {
    const id = this.allocId();
    this.writer.append([HELLO, id, clientId]);
    this.clientId = clientId;
    this.scheduleFlush();
    return this.track(id, HELLO_METHOD, timeoutMs);
  }

  /** Call `method` on the peer without waiting for (or getting) a reply. Throws if closed. */
  notify(method: string, args: unknown[]): void {
    if (this.closing || this.isClosed) {
      throw new RpcDisconnectedError(`cannot notify "${method}": connection closed`);
    }
    this.writer.append([NOTIFY, method, args]);
    this.scheduleFlush();
  }

  /**
   * Stop taking calls (new ones get RpcShuttingDownError) and close once the running handlers
   * and our own calls in flight have finished and their replies were written.
   */
  drain(): void {
    this.draining = true;
    this.checkDrained();
  }

  /** Close now: calls in flight reject with RpcDisconnectedError (cause `error`). */
  close(error?: Error): void {
    if (this.isClosed) return;
    this.reader.stop();
    this.stream.close(error);
    this.finish(error ?? this.stream.error);
  }

  // ---------------------------------------------------------------- outgoing

  private allocId(): number {
    let id = this.nextId;
    while (this.pending.has(id)) id = id === MAX_ID ? 1 : id + 1;
    this.nextId = id === MAX_ID ? 1 : id + 1;
    return id;
  }

  private track(id: number, method: string, timeoutMs: number): Promise<unknown> {
    const call = new PendingCall(id, method);
    const p = new Promise<unknown>((resolve, reject) => {
      call.resolve = resolve;
      call.reject = reject;
    });
    if (timeoutMs > 0) {
      call.timer = this.loop.callLater(timeoutMs, this.callTimeoutFn, id);
    }
    this.pending.set(id, call);
    return p;
  }

  private onCallTimeout(id: number): void {
    const call = this.pending.get(id);
    if (call === undefined) return;
    this.pending.delete(id);
    call.timer = null;
    call.reject(new RpcTimeoutError(`no reply to "${call.method}" within the timeout`));
    this.checkDrained();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    queueMicrotask(this.flushFn);
  }

  /** Write the batched frames in one go. */
  private flush(): void {
    this.flushScheduled = false;
    const stream = this.stream;
    const batch = this.writer.take();
    if (batch === null) return;
    if (stream.closed()) {
      this.writer.release(false);
      return;
    }
    const p = stream.write(batch);
    const kept = stream.writeBufferSize > 0;
    if (kept || stream.closed()) {
      p.then(undefined, noop);
      this.lastWrite = p;
    }
    this.writer.release(kept);
  }

  // ---------------------------------------------------------------- incoming

  private onMessage(m: unknown): void {
    if (this.isClosed) return;
    if (!Array.isArray(m) || m.length < 2) throw new RpcProtocolError("frame is not a message");
    const kind = m[0];
    if (this.awaitingHello && kind !== HELLO) {
      throw new RpcProtocolError("expected a hello frame first");
    }
    switch (kind) {
      case REQUEST:
        if (m.length !== 4 || !isId(m[1]) || typeof m[2] !== "string" || !Array.isArray(m[3])) {
          throw new RpcProtocolError("malformed request frame");
        }
        if (m[2].length > MAX_NAME_LENGTH) {
          throw new RpcProtocolError(`method name longer than ${MAX_NAME_LENGTH} characters`);
        }
        this.onRequest(m[1], m[2], m[3]);
        return;
      case RESPONSE:
        if (m.length !== 4 || !isId(m[1])) throw new RpcProtocolError("malformed response frame");
        this.onResponse(m[1], m[2], m[3]);
        return;
      case NOTIFY:
        if (m.length !== 3 || typeof m[1] !== "string" || !Array.isArray(m[2])) {
          throw new RpcProtocolError("malformed notify frame");
        }
        this.onNotify(m[1], m[2]);
        return;
      case HELLO:
        this.onHelloFrame(m);
        return;
      case FATAL: {
        const cause = fromWireError(m[1]);
        this.logger.warn({ err: cause }, `RPC peer closed the connection: ${cause.message}`);
        this.close(cause);
        return;
      }
      default:
        throw new RpcProtocolError(`unknown message kind ${String(kind)}`);
    }
  }

  private onHelloFrame(m: unknown[]): void {
    if (!this.awaitingHello || this.onHello === null) {
      throw new RpcProtocolError("unexpected hello frame");
    }
    const id = m[1];
    const clientId = m[2];
    if (
      m.length !== 3 ||
      !isId(id) ||
      typeof clientId !== "string" ||
      clientId.length === 0 ||
      clientId.length > MAX_NAME_LENGTH
    ) {
      throw new RpcProtocolError(
        `malformed hello frame (client id must be a string of 1..${MAX_NAME_LENGTH} characters)`,
      );
    }
    this.awaitingHello = false;
    if (this.helloTimer !== null) {
      this.loop.removeTimeout(this.helloTimer);
      this.helloTimer = null;
    }
    this.clientId = clientId;
    this.onHello(this, clientId);
    this.replyOk(id, clientId);
  }

  private onResponse(id: number, error: unknown, result: unknown): void {
    const call = this.pending.get(id);
    if (call === undefined) return; // timed out meanwhile: the late reply is dropped
    this.pending.delete(id);
    if (call.timer !== null) this.loop.removeTimeout(call.timer);
    if (error === null || error === undefined) call.resolve(result);
    else call.reject(fromWireError(error));
    if (this.draining) this.checkDrained();
  }

  private onRequest(id: number, method: string, args: unknown[]): void {
    if (this.draining) {
      this.replyError(
        id,
        wire("RpcShuttingDownError", "T_ERR_RPC_SHUTTING_DOWN", "server is shutting down"),
      );
      return;
    }
    const entry = this.registry.get(method);
    if (entry === undefined) {
      this.replyError(
        id,
        wire(
          RpcMethodNotFoundError.name,
          "T_ERR_RPC_METHOD_NOT_FOUND",
          `no method "${method}" is registered`,
        ),
      );
      return;
    }
    let result: unknown;
    try {
      result = entry.withContext
        ? entry.fn.call(entry.thisArg, this.context(method), ...args)
        : entry.fn.apply(entry.thisArg, args);
    } catch (err) {
      this.replyError(id, toWireError(err));
      return;
    }
    if (!isThenable(result)) {
      this.replyOk(id, result);
      return;
    }
    this.inbound++;
    const call = new InboundCall(id);
    if (this.handlerTimeoutMs > 0) {
      call.timer = this.loop.callLater(this.handlerTimeoutMs, () => {
        call.timer = null;
        this.settleInbound(
          call,
          wire(
            RpcHandlerTimeoutError.name,
            "T_ERR_RPC_HANDLER_TIMEOUT",
            `handler of "${method}" did not settle within ${this.handlerTimeoutMs} ms`,
          ),
          undefined,
        );
      });
    }
    result
      .then(
        (value) => this.settleInbound(call, null, value),
        (err) => this.settleInbound(call, toWireError(err), undefined),
      )
      // Answering must never become an unhandled rejection: a reply that cannot be sent ends
      // this connection, not the process.
      .then(undefined, (err: unknown) => this.fail(err as Error));
  }

  private settleInbound(call: InboundCall, error: WireError | null, value: unknown): void {
    if (call.settled) return;
    call.settled = true;
    this.inbound--;
    if (call.timer !== null) {
      this.loop.removeTimeout(call.timer);
      call.timer = null;
    }
    if (error === null) this.replyOk(call.id, value);
    else this.replyError(call.id, error);
    if (this.draining) this.checkDrained();
  }

  private onNotify(method: string, args: unknown[]): void {
    const entry = this.registry.get(method);
    if (entry === undefined) {
      this.logger.debug(`RPC notify for unknown method "${method}" dropped`);
      return;
    }
    try {
      const result = entry.withContext
        ? entry.fn.call(entry.thisArg, this.context(method), ...args)
        : entry.fn.apply(entry.thisArg, args);
      if (isThenable(result)) {
        result.then(undefined, (err) =>
          this.logger.debug({ err }, `RPC notify handler "${method}" failed`),
        );
      }
    } catch (err) {
      this.logger.debug({ err }, `RPC notify handler "${method}" failed`);
    }
  }

  private context(method: string): CallContext {
    return { clientId: this.clientId, method };
  }

  private replyOk(id: number, value: unknown): void {
    if (this.isClosed) return;
    const res = this.res;
    res[1] = id;
    res[2] = null;
    res[3] = value;
    try {
      this.writer.append(res);
    } catch (err) {
      // The result cannot travel (not encodable, too large): tell the caller instead.
      res[3] = null;
      this.replyError(id, toWireError(err));
      return;
    } finally {
      res[3] = null;
    }
    this.scheduleFlush();
  }

  private replyError(id: number, error: WireError): void {
    if (this.isClosed) return;
    const res = this.res;
    res[1] = id;
    res[2] = error;
    res[3] = null;
    try {
      this.writer.append(res);
    } catch {
      // error.data could not be encoded, or the error is too large for a frame: send a
      // truncated error without data (a peer's huge argument echoed in a message must not
      // make the reply itself fail).
      res[2] = {
        name: String(error.name).slice(0, MAX_NAME_LENGTH),
        message: String(error.message).slice(0, MAX_ERROR_MESSAGE_LENGTH),
        code: error.code === undefined ? undefined : String(error.code).slice(0, MAX_NAME_LENGTH),
      };
      try {
        this.writer.append(res);
      } catch (err) {
        this.fail(err as Error);
        return;
      }
    } finally {
      res[2] = null;
    }
    this.scheduleFlush();
  }

  // ---------------------------------------------------------------- closing

  /** A protocol fault of the peer: report it, tell the peer, close. */
  private fail(err: Error): void {
    if (this.isClosed || this.closing) return;
    this.reader.stop();
    const rpcErr =
      err instanceof RpcError
        ? err
        : new RpcProtocolError(`protocol error: ${err.message}`, { cause: err });
    this.logger.warn(
      { err: rpcErr, clientId: this.clientId || undefined },
      `closing RPC connection: ${rpcErr.message}`,
    );
    try {
      this.writer.append([FATAL, toWireError(rpcErr)]);
      this.flush();
    } catch {
      // best effort: the connection is closed either way
    }
    this.close(rpcErr);
  }

  private checkDrained(): void {
    if (!this.draining || this.closing || this.isClosed) return;
    if (this.inbound > 0 || this.pending.size > 0) return;
    this.closing = true;
    // Write the last replies now, then close once the kernel has them.
    this.flush();
    const stream = this.stream;
    if (stream.closed()) return;
    if (stream.writeBufferSize === 0) {
      this.close();
      return;
    }
    const close = () => this.close();
    (this.lastWrite ?? Promise.resolve()).then(close, close);
  }

  private finish(error: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.reader.stop();
    if (this.helloTimer !== null) {
      this.loop.removeTimeout(this.helloTimer);
      this.helloTimer = null;
    }
    if (this.pending.size > 0) {
      const calls = [...this.pending.values()];
      this.pending.clear();
      const why = error !== undefined ? `: ${error.message}` : "";
      for (const call of calls) {
        if (call.timer !== null) this.loop.removeTimeout(call.timer);
        call.reject(
          new RpcDisconnectedError(
            call.method === HELLO_METHOD
              ? `connection closed before the hello was answered${why}`
              : `connection closed while "${call.method}" was in flight${why}`,
            error,
          ),
        );
      }
    }
    this.onClose(this, error);
  }
}
