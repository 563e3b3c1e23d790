// RpcConnection: one peer-to-peer RPC session over an IOStream (calls both ways, out-of-order replies).

import { AbortError, type IOLoop, type Logger } from "@t/ioloop";
import {
  type BaseIOStream,
  ConnectionSweeper,
  type DataConsumer,
  type Sweepable,
  sweepIntervalFor,
} from "@t/iostream";
import { type RpcCallMessage, rpcCallFinishChannel, rpcCallStartChannel } from "./diagnostics.js";
import {
  fromWireError,
  RpcAuthenticationError,
  RpcDisconnectedError,
  RpcError,
  RpcHandlerTimeoutError,
  RpcMethodNotFoundError,
  RpcOverloadedError,
  RpcProtocolError,
  RpcShuttingDownError,
  RpcTimeoutError,
  toWireError,
  type WireError,
} from "./errors.js";
import { FrameReader, FrameWriter } from "./frame-codec.js";
import { HandlerContext } from "./handler-context.js";
import { challengeError, challengeNonce, helloMac } from "./hello-auth.js";
import { WRITE_HIGH_WATER_MARK } from "./options.js";
import {
  FATAL,
  HELLO,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_NAME_LENGTH,
  NOTIFY,
  REQUEST,
  RESPONSE,
} from "./protocol.js";
import type { MethodEntry, MethodRegistry } from "./registry.js";

/** A hello as the server side received it (see `RpcConnectionOptions.onHello`). */
export interface HelloRequest {
  /** The client id the peer claims. */
  readonly clientId: string;
  /** The `hmac` of the hello's auth map, or null when it carries none. */
  readonly hmac: Uint8Array | null;
  /** The `credentials` of the hello's auth map (any msgpack value), or undefined. */
  readonly credentials: unknown;
  /** The nonce of the challenge this connection sent, or null if it sent none yet. */
  readonly nonce: Uint8Array | null;
}

/**
 * The server's answer to a hello: `null` accepts it, a Uint8Array is a nonce to challenge the
 * client with (once per connection), an RpcError refuses it (the error is the reply, then the
 * connection closes).
 */
export type HelloVerdict = null | Uint8Array | RpcError;

/** What the client side proves its identity with (see `RpcConnection.hello`). */
export interface HelloAuth {
  /** Key of the HMAC that answers a challenge; null: no secret (a challenge is refused). */
  readonly secret: Uint8Array | null;
  /** Sent in the hello's auth map when not undefined (any msgpack value). */
  readonly credentials: unknown;
}

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
   * Most of the peer's calls (and notifications) whose handlers returned a promise that has not
   * settled yet; Infinity = no limit. At the limit the connection stops reading; a request that
   * arrives there anyway (reading stays on while we wait for replies of our own) is answered
   * with RpcOverloadedError, a notification is dropped.
   */
  maxInflight: number;
  /**
   * Server side: decides on a hello frame, which must be the first frame (and be accepted within
   * `helloTimeoutMs`). Nothing else is read from the peer until the verdict is known.
   * Client side: null.
   */
  onHello:
    | ((conn: RpcConnection, hello: HelloRequest) => HelloVerdict | PromiseLike<HelloVerdict>)
    | null;
  /**
   * Server side: called synchronously when a hello is about to be accepted (`clientId` is set):
   * register the connection and return null, or return an RpcError to refuse it after all.
   */
  onAccept: ((conn: RpcConnection) => RpcError | null) | null;
  /** Server side: ms to wait for an accepted hello before closing. */
  helloTimeoutMs: number;
  /**
   * Server side: close the connection when its queued replies made no progress into the kernel
   * for this many ms while reading is paused behind them (the peer stopped reading); 0 = never.
   */
  writeTimeoutMs?: number;
  /** Called once when the connection has closed; `error` says why (undefined: closed cleanly). */
  onClose: (conn: RpcConnection, error: Error | undefined) => void;
  /**
   * Enforces every deadline of the connection (call and handler timeouts, the hello, write
   * progress) in one coarse sweep: a deadline fires up to one sweep interval late (a quarter of
   * the shortest timeout in use, 10 ms … 1 s), never early. Default: one sweeper shared by the
   * RPC connections of the loop.
   */
  sweeper?: ConnectionSweeper;
}

/** The sweeper RPC connections of each loop share unless given one. */
const sweepers = new WeakMap<IOLoop, ConnectionSweeper>();

function sharedSweeper(loop: IOLoop): ConnectionSweeper {
  let sweeper = sweepers.get(loop);
  if (sweeper === undefined) {
    sweeper = new ConnectionSweeper(loop, 1000);
    sweepers.set(loop, sweeper);
  }
  return sweeper;
}

type Resolve = (value: unknown) => void;
type Reject = (err: Error) => void;

/** A call of ours waiting for its reply. */
class PendingCall {
  resolve: Resolve = noop;
  reject: Reject = noop;
  /** Loop time after which the call times out (Infinity: never). */
  deadline = Number.POSITIVE_INFINITY;
  /** The caller's AbortSignal and the listener on it, while the call waits. */
  signal: AbortSignal | null = null;
  onAbort: (() => void) | null = null;
  constructor(
    readonly id: number,
    readonly method: string,
  ) {}
}

/** A peer's call (id > 0) or notification (id 0) whose handler returned a promise. */
class InboundCall {
  settled = false;
  /** Loop time after which the handler times out (Infinity: never). */
  deadline = Number.POSITIVE_INFINITY;
  /** The diagnostics message, when the call channels had subscribers at its start. */
  diag: RpcCallMessage | null = null;
  /** What the handler rejected with (the wire form loses it), for the finish message. */
  error: unknown = null;
  constructor(
    readonly id: number,
    readonly method: string,
    readonly ctx: HandlerContext | null,
  ) {}
}

const noop = (): void => {};

/** Run a registered handler with its arguments (and its context first, when it asked for one). */
function invoke(entry: MethodEntry, ctx: HandlerContext | null, args: unknown[]): unknown {
  return ctx !== null
    ? entry.fn.call(entry.thisArg, ctx, ...args)
    : entry.fn.apply(entry.thisArg, args);
}

/** Publish a call's start and run its handler inside the start channel's bound stores. */
function startTraced(
  diag: RpcCallMessage,
  entry: MethodEntry,
  ctx: HandlerContext | null,
  args: unknown[],
): unknown {
  return rpcCallStartChannel.runStores(diag, invoke, undefined, entry, ctx, args);
}

/** Publish a call's finish. */
function finishTraced(diag: RpcCallMessage, error: unknown): void {
  diag.error = error;
  if (rpcCallFinishChannel.hasSubscribers) rpcCallFinishChannel.publish(diag);
}
const HELLO_METHOD = "(hello)";

/** The rejection of a call whose signal aborted (Node's shape: `cause` is the reason). */
export function callAborted(method: string, signal: AbortSignal): AbortError {
  return new AbortError(`the call of "${method}"`, { cause: signal.reason });
}

/** Release what a call waited with: its deadline and its abort listener. */
function settledCall(call: PendingCall): void {
  call.deadline = Number.POSITIVE_INFINITY;
  if (call.onAbort !== null) {
    (call.signal as AbortSignal).removeEventListener("abort", call.onAbort);
    call.onAbort = null;
    call.signal = null;
  }
}
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
export class RpcConnection implements Sweepable {
  /** @internal The sweeper's bookkeeping (Sweepable): -1 while no sweeper tracks this. */
  sweepSlot = -1;
  /** The underlying stream. */
  readonly stream: BaseIOStream;
  /** The client id (server side: from the hello frame; "" until then). */
  clientId = "";

  private readonly loop: IOLoop;
  private readonly logger: Logger;
  private readonly registry: MethodRegistry;
  private readonly handlerTimeoutMs: number;
  private readonly maxInflight: number;
  private readonly onHello: RpcConnectionOptions["onHello"];
  private readonly onAccept: RpcConnectionOptions["onAccept"];
  private readonly onClose: (conn: RpcConnection, error: Error | undefined) => void;
  private readonly writer: FrameWriter;
  private readonly reader: FrameReader;
  private readonly pending = new Map<number, PendingCall>();
  /** The peer's calls awaiting their handler (their timers, contexts). */
  private readonly inbound = new Set<InboundCall>();
  private nextId = 1;
  private awaitingHello: boolean;
  /** Server side: the verdict on a hello is awaited (reading is paused meanwhile). */
  private helloPending = false;
  /** Server side: the nonce of the challenge sent, if any. */
  private nonce: Uint8Array | null = null;
  /** Client side: the id of our hello call (0: none), how we authenticate, and whether we did. */
  private helloId = 0;
  private helloAuth: HelloAuth | null = null;
  private challengeAnswered = false;
  /** No message is delivered (reader paused); see updateReading. */
  private readPaused = false;
  /**
   * Whether a written batch is copied by the time the stream's write queue is empty (fd
   * streams: the kernel copied it). Not so for SSLIOStream: the TLS socket may still hold a
   * reference to it, so every batch gets a new buffer.
   */
  private readonly writesCopied: boolean;
  private readonly sweeper: ConnectionSweeper;
  /** Loop time by which a hello must have been accepted (Infinity: none awaited). */
  private helloDeadline = Number.POSITIVE_INFINITY;
  private readonly helloTimeoutMs: number;
  /** The last timeout `useTimeout` saw. */
  private lastTimeoutMs = 0;
  private readonly writeTimeoutMs: number;
  /** While paused behind our replies: since when no reply byte reached the kernel (-1: not paused). */
  private stallSince = -1;
  private stallMark = 0;
  /** A settle handler waits on `whenWritten()` to re-check reading when writes drain. */
  private drainWatched = false;
  private readonly onDrainFn: () => void;
  private draining = false;
  private closing = false;
  private isClosed = false;
  private flushScheduled = false;
  /** Why the connection closes once its last frames are written (`closeWhenFlushed`). */
  private closeError: Error | undefined = undefined;
  /** Reused message arrays (the encoder is synchronous, so one of each suffices). */
  private readonly req: unknown[] = [REQUEST, 0, "", null];
  private readonly res: unknown[] = [RESPONSE, 0, null, null];
  private readonly flushFn: () => void;
  private readonly consumeFn: DataConsumer;

  constructor(stream: BaseIOStream, options: RpcConnectionOptions) {
    this.stream = stream;
    this.loop = options.loop;
    this.logger = options.logger;
    this.registry = options.registry;
    this.handlerTimeoutMs = options.handlerTimeoutMs;
    this.maxInflight = options.maxInflight;
    this.onHello = options.onHello;
    this.onAccept = options.onAccept;
    this.onClose = options.onClose;
    this.awaitingHello = options.onHello !== null;
    const tls = stream.encrypted;
    this.writesCopied = !tls;
    this.writer = new FrameWriter(options.maxFrameBytes);
    this.reader = new FrameReader(options.maxFrameBytes, (m) => this.onMessage(m));
    this.flushFn = () => this.flush();
    this.writeTimeoutMs = options.writeTimeoutMs ?? 0;
    this.helloTimeoutMs = options.helloTimeoutMs;
    this.onDrainFn = () => {
      this.drainWatched = false;
      this.updateReading();
    };
    this.sweeper = options.sweeper ?? sharedSweeper(this.loop);
    if (this.writeTimeoutMs > 0) this.useTimeout(this.writeTimeoutMs);
    if (this.awaitingHello && options.helloTimeoutMs > 0) {
      this.helloDeadline = this.loop.time() + options.helloTimeoutMs;
      this.useTimeout(options.helloTimeoutMs);
    }
    this.sweeper.add(this);
    stream.setCloseCallback(() => this.finish(stream.error ?? this.closeError));
    const consume = this.reader.consume;
    this.consumeFn = (buf, start, end) => {
      try {
        return consume(buf, start, end);
      } catch (err) {
        this.fail(err as Error);
        return end - start;
      }
    };
    stream.setDataConsumer(this.consumeFn);
  }

  /** True once the connection is closed (or closing). */
  get closed(): boolean {
    return this.isClosed || this.closing;
  }

  /** Our calls waiting for replies. */
  get pendingCalls(): number {
    return this.pending.size;
  }

  /**
   * The peer's calls (and notifications) whose handlers returned a promise that has not settled
   * nor timed out; 0 once the connection is closed.
   */
  get activeHandlers(): number {
    return this.inbound.size;
  }

  /** True while reading from the peer is paused (`maxInflight` reached, or a hello awaits its verdict). */
  get readingPaused(): boolean {
    return this.readPaused;
  }

  /**
   * Call `method` on the peer with `args`. Resolves with its result; rejects with the peer's error
   * (RpcRemoteError, RpcMethodNotFoundError, …), RpcTimeoutError after `timeoutMs` (0 = no
   * limit), RpcDisconnectedError if the connection closes first, `AbortError` when `signal`
   * aborts first (the late reply is dropped), or at once with RpcEncodeError /
   * RpcFrameTooLargeError (the connection stays open).
   */
  apply(
    method: string,
    args: unknown[],
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(callAborted(method, signal));
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
    return this.track(id, method, timeoutMs, signal);
  }

  /**
   * Send a hello frame with `clientId` (client side); resolves once the server accepted it. If
   * the server challenges it and `auth.secret` is set, the hello is sent again with the HMAC of
   * the nonce (same id, same timeout); otherwise the challenge rejects it with
   * RpcAuthenticationError.
   */
  hello(clientId: string, timeoutMs: number, auth: HelloAuth | null = null): Promise<unknown> {
    const id = this.allocId();
    this.helloAuth = auth;
    this.clientId = clientId;
    try {
      this.writer.append(this.helloFrame(id, null));
    } catch (err) {
      return Promise.reject(err);
    }
    this.helloId = id;
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

  /** `[HELLO, id, clientId]`, with the auth map when there is an HMAC or credentials to send. */
  private helloFrame(id: number, hmac: Uint8Array | null): unknown[] {
    const credentials = this.helloAuth?.credentials;
    if (hmac === null && credentials === undefined) return [HELLO, id, this.clientId];
    const auth: { hmac?: Uint8Array; credentials?: unknown } = {};
    if (hmac !== null) auth.hmac = hmac;
    if (credentials !== undefined) auth.credentials = credentials;
    return [HELLO, id, this.clientId, auth];
  }

  private track(
    id: number,
    method: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const call = new PendingCall(id, method);
    const p = new Promise<unknown>((resolve, reject) => {
      call.resolve = resolve;
      call.reject = reject;
    });
    if (timeoutMs > 0) {
      call.deadline = this.loop.time() + timeoutMs;
      this.useTimeout(timeoutMs);
    }
    if (signal !== undefined) {
      const onAbort = () => {
        if (this.pending.get(id) !== call) return;
        this.dropCall(call, callAborted(method, signal));
      };
      call.signal = signal;
      call.onAbort = onAbort;
      signal.addEventListener("abort", onAbort, { once: true });
    }
    this.pending.set(id, call);
    // Paused with our handlers at the limit: the reply to this call may sit behind the peer's
    // unread calls, so read again (further calls get RpcOverloadedError instead of waiting).
    if (this.readPaused) this.updateReading();
    return p;
  }

  private onCallTimeout(call: PendingCall): void {
    call.deadline = Number.POSITIVE_INFINITY;
    this.dropCall(call, new RpcTimeoutError(`no reply to "${call.method}" within the timeout`));
  }

  /** Sweep as often as a deadline of `ms` needs (a quarter of it, 10 ms … 1 s). */
  private useTimeout(ms: number): void {
    // Calls usually share one timeout: the interval for it is worked out once.
    if (ms === this.lastTimeoutMs || !Number.isFinite(ms)) return;
    this.lastTimeoutMs = ms;
    this.sweeper.shortenInterval(sweepIntervalFor(ms));
  }

  /**
   * Sweepable: the deadlines of this connection — the hello, each call of ours and each handler
   * of the peer's calls, and write progress while reading waits behind our replies.
   */
  sweep(now: number): void {
    if (this.isClosed) return;
    if (now >= this.helloDeadline) {
      this.onHelloTimeout();
      if (this.isClosed) return;
    }
    if (this.pending.size > 0) {
      for (const call of this.pending.values()) {
        if (now >= call.deadline) this.onCallTimeout(call);
      }
    }
    if (this.inbound.size > 0) {
      for (const call of this.inbound) {
        if (now >= call.deadline) this.onHandlerTimeout(call);
      }
    }
    if (this.stallSince !== -1 && !this.isClosed) this.checkStall(now);
  }

  private onHelloTimeout(): void {
    this.helloDeadline = Number.POSITIVE_INFINITY;
    if (!this.awaitingHello) return;
    const ms = this.helloTimeoutMs;
    if (this.closing)
      this.close(); // refused: the reply could not be written in time
    else if (this.helloPending || this.nonce !== null) {
      this.fail(new RpcProtocolError(`hello not accepted within ${ms} ms`));
    } else this.fail(new RpcProtocolError(`no hello within ${ms} ms`));
  }

  /** Give up waiting for `call`'s reply (timeout, abort): a reply that still comes is dropped. */
  private dropCall(call: PendingCall, err: Error): void {
    this.pending.delete(call.id);
    settledCall(call);
    if (call.id === this.helloId) this.helloId = 0;
    call.reject(err);
    if (this.pending.size === 0) this.updateReading();
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
    // No Promise: a write that fails (a queue over maxWriteBufferSize: the peer does not read)
    // closes the stream, and the close callback ends this connection.
    stream.send(batch);
    const kept = stream.writeBufferSize > 0 || !this.writesCopied;
    this.writer.release(kept);
    if (
      this.onHello !== null &&
      (this.readPaused || stream.writeBufferSize > WRITE_HIGH_WATER_MARK)
    ) {
      this.updateReading();
    }
  }

  /**
   * Server side: more than WRITE_HIGH_WATER_MARK bytes of our frames wait, batched or queued in
   * the stream, for the peer to read them.
   */
  private repliesOverMark(): boolean {
    return (
      this.onHello !== null &&
      this.writer.pendingBytes + this.stream.writeBufferSize > WRITE_HIGH_WATER_MARK
    );
  }

  /**
   * After a reply was batched: pause at once, mid-window, when the replies pass the mark, so
   * that one read window of calls (each maybe answered with a large result) cannot batch more
   * than about the mark plus one reply.
   */
  private replied(): void {
    this.scheduleFlush();
    if (!this.readPaused && this.repliesOverMark()) this.updateReading();
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
    const onHello = this.onHello;
    if (!this.awaitingHello || onHello === null || this.helloPending) {
      throw new RpcProtocolError("unexpected hello frame");
    }
    const id = m[1];
    const clientId = m[2];
    if (
      (m.length !== 3 && m.length !== 4) ||
      !isId(id) ||
      typeof clientId !== "string" ||
      clientId.length === 0 ||
      clientId.length > MAX_NAME_LENGTH
    ) {
      throw new RpcProtocolError(
        `malformed hello frame (client id must be a string of 1..${MAX_NAME_LENGTH} characters)`,
      );
    }
    const auth = m.length === 4 ? m[3] : null;
    if (
      auth !== null &&
      (typeof auth !== "object" || Array.isArray(auth) || auth instanceof Uint8Array)
    ) {
      throw new RpcProtocolError("malformed hello frame (auth must be a map)");
    }
    const hmac = auth === null ? undefined : (auth as { hmac?: unknown }).hmac;
    if (hmac !== undefined && hmac !== null && !(hmac instanceof Uint8Array)) {
      throw new RpcProtocolError("malformed hello frame (hmac must be bytes)");
    }
    const hello: HelloRequest = {
      clientId,
      hmac: hmac ?? null,
      credentials: auth === null ? undefined : (auth as { credentials?: unknown }).credentials,
      nonce: this.nonce,
    };
    const verdict = onHello(this, hello);
    if (!isThenable(verdict)) {
      this.decideHello(id, clientId, verdict as HelloVerdict);
      return;
    }
    // Read nothing else from this peer until the verdict is known.
    this.helloPending = true;
    this.updateReading();
    verdict.then(
      (v) => this.decideHello(id, clientId, v),
      (err: unknown) => {
        this.logger.error({ err }, "RPC hello check threw; refusing the hello");
        this.decideHello(id, clientId, new RpcAuthenticationError("authentication failed"));
      },
    );
  }

  /** Apply the server's verdict on the hello `id` (see HelloVerdict). */
  private decideHello(id: number, clientId: string, verdict: HelloVerdict): void {
    if (this.isClosed || this.closing) return;
    this.helloPending = false;
    if (verdict instanceof Uint8Array) {
      if (this.nonce !== null) {
        this.refuseHello(id, new RpcAuthenticationError("authentication failed"));
        return;
      }
      this.nonce = verdict;
      this.replyError(id, challengeError(verdict));
      this.updateReading();
      return;
    }
    let refusal = verdict;
    if (refusal === null && this.onAccept !== null) {
      this.clientId = clientId;
      refusal = this.onAccept(this);
      if (refusal !== null) this.clientId = "";
    }
    if (refusal !== null) {
      this.refuseHello(id, refusal);
      return;
    }
    this.clientId = clientId;
    this.awaitingHello = false;
    this.nonce = null;
    this.helloDeadline = Number.POSITIVE_INFINITY;
    this.replyOk(id, clientId);
    this.updateReading();
  }

  /** Answer the hello with `error`, then close once the answer reached the kernel. */
  private refuseHello(id: number, error: RpcError): void {
    this.replyError(id, toWireError(error));
    this.closing = true;
    this.reader.stop();
    this.closeWhenFlushed(error);
  }

  private onResponse(id: number, error: unknown, result: unknown): void {
    const call = this.pending.get(id);
    if (call === undefined) return; // timed out meanwhile: the late reply is dropped
    if (
      id === this.helloId &&
      error !== null &&
      error !== undefined &&
      this.answerChallenge(error)
    ) {
      return; // the hello went out again with its HMAC; the same call waits for the verdict
    }
    this.pending.delete(id);
    settledCall(call);
    if (id === this.helloId) this.helloId = 0;
    if (error === null || error === undefined) call.resolve(result);
    else call.reject(fromWireError(error));
    if (this.pending.size === 0 && this.inbound.size >= this.maxInflight) this.updateReading();
    if (this.draining) this.checkDrained();
  }

  /** Client side: resend the hello with the HMAC of a challenge's nonce; false if `error` is none. */
  private answerChallenge(error: unknown): boolean {
    const secret = this.helloAuth?.secret ?? null;
    if (secret === null || this.challengeAnswered) return false;
    const nonce = challengeNonce(error);
    if (nonce === null) return false;
    this.challengeAnswered = true;
    this.writer.append(this.helloFrame(this.helloId, helloMac(secret, nonce, this.clientId)));
    this.scheduleFlush();
    return true;
  }

  private onRequest(id: number, method: string, args: unknown[]): void {
    if (this.draining) {
      this.replyError(
        id,
        wire("RpcShuttingDownError", "T_ERR_RPC_SHUTTING_DOWN", "server is shutting down"),
      );
      return;
    }
    if (this.inbound.size >= this.maxInflight) {
      // Only reached while reading cannot pause: we await replies on this connection.
      this.replyError(
        id,
        wire(
          RpcOverloadedError.name,
          "T_ERR_RPC_OVERLOADED",
          `${this.inbound.size} calls are running on this connection (maxInflightPerConnection); retry later`,
        ),
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
    const ctx = entry.withContext ? new HandlerContext(this.clientId, method) : null;
    const diag = this.callMessage(id, method, args);
    let result: unknown;
    try {
      result = diag === null ? invoke(entry, ctx, args) : startTraced(diag, entry, ctx, args);
    } catch (err) {
      this.replyError(id, toWireError(err));
      if (diag !== null) finishTraced(diag, err);
      return;
    }
    if (!isThenable(result)) {
      this.replyOk(id, result);
      if (diag !== null) finishTraced(diag, null);
      return;
    }
    this.startInbound(id, method, ctx, result, diag);
  }

  /** The diagnostics message of a call, or null when nobody listens (nothing is built then). */
  private callMessage(id: number, method: string, args: unknown[]): RpcCallMessage | null {
    if (!rpcCallStartChannel.hasSubscribers && !rpcCallFinishChannel.hasSubscribers) return null;
    return { clientId: this.clientId, method, id, args, error: null };
  }

  /** Track a handler's promise until it settles or times out (id 0: a notification). */
  private startInbound(
    id: number,
    method: string,
    ctx: HandlerContext | null,
    result: PromiseLike<unknown>,
    diag: RpcCallMessage | null,
  ): void {
    const call = new InboundCall(id, method, ctx);
    call.diag = diag;
    this.inbound.add(call);
    if (this.handlerTimeoutMs > 0) {
      call.deadline = this.loop.time() + this.handlerTimeoutMs;
      this.useTimeout(this.handlerTimeoutMs);
    }
    Promise.resolve(result)
      .then(
        (value) => this.settleInbound(call, null, value),
        (err) => {
          call.error = err;
          this.settleInbound(call, toWireError(err), undefined);
        },
      )
      // Answering must never become an unhandled rejection: a reply that cannot be sent ends
      // this connection, not the process.
      .then(undefined, (err: unknown) => this.fail(err as Error));
    if (this.inbound.size >= this.maxInflight) this.updateReading();
  }

  private onHandlerTimeout(call: InboundCall): void {
    call.deadline = Number.POSITIVE_INFINITY;
    if (call.settled) return;
    const err = new RpcHandlerTimeoutError(
      `handler of "${call.method}" did not settle within ${this.handlerTimeoutMs} ms`,
    );
    call.ctx?.abort(err);
    call.error = err;
    this.settleInbound(call, toWireError(err), undefined);
  }

  private settleInbound(call: InboundCall, error: WireError | null, value: unknown): void {
    if (call.settled) return;
    call.settled = true;
    this.inbound.delete(call);
    call.deadline = Number.POSITIVE_INFINITY;
    if (call.id === 0) {
      if (error !== null) {
        this.logger.debug({ err: error }, `RPC notify handler "${call.method}" failed`);
      }
    } else if (error === null) this.replyOk(call.id, value);
    else this.replyError(call.id, error);
    if (call.diag !== null) finishTraced(call.diag, error === null ? null : (call.error ?? error));
    if (this.readPaused) this.updateReading();
    if (this.draining) this.checkDrained();
  }

  private onNotify(method: string, args: unknown[]): void {
    const entry = this.registry.get(method);
    if (entry === undefined) {
      this.logger.debug(`RPC notify for unknown method "${method}" dropped`);
      return;
    }
    if (this.inbound.size >= this.maxInflight) {
      // A notification cannot be refused; debug level so that a peer cannot flood the log.
      this.logger.debug(
        `RPC notify "${method}" dropped: ${this.inbound.size} handlers are running on this connection (maxInflightPerConnection)`,
      );
      return;
    }
    const ctx = entry.withContext ? new HandlerContext(this.clientId, method) : null;
    const diag = this.callMessage(0, method, args);
    let result: unknown;
    try {
      result = diag === null ? invoke(entry, ctx, args) : startTraced(diag, entry, ctx, args);
    } catch (err) {
      this.logger.debug({ err }, `RPC notify handler "${method}" failed`);
      if (diag !== null) finishTraced(diag, err);
      return;
    }
    if (isThenable(result)) this.startInbound(0, method, ctx, result, diag);
    else if (diag !== null) finishTraced(diag, null);
  }

  // ---------------------------------------------------------------- backpressure

  /**
   * Pause reading from the peer when
   * - `maxInflight` handlers run and we wait for no reply of our own on this connection (so
   *   pausing cannot starve a handler that waits on a call back to the peer);
   * - a hello awaits its verdict (nothing else may be read before it);
   * - server side, more than {@link WRITE_HIGH_WATER_MARK} bytes of our frames wait for the
   *   peer to read them: a peer that sends calls and never reads the replies stops being read.
   *   (Only the server pauses for this: were both sides to, two peers writing to each other
   *   faster than they read could each wait for the other.)
   * The frames already copied stay with the reader (one window at most); the stream's reading is
   * paused, so it keeps at most about `readChunkSize` bytes (a TLS stream: that much
   * plaintext plus the TLS socket's buffers) and stops reading from the kernel, and TCP pushes
   * back on the peer. Resume, delivering what was kept, otherwise.
   */
  private updateReading(): void {
    if (this.isClosed || this.closing) return;
    const full = this.inbound.size >= this.maxInflight && this.pending.size === 0;
    // Paused behind our replies stays so until the write it waits on settles, even if the
    // stream handed some of them on (a TLS socket takes up to its own high-water mark).
    const writeBlocked = this.repliesOverMark() || (this.readPaused && this.drainWatched);
    const pause = full || this.helloPending || writeBlocked;
    // Re-check once the queued writes drained (the frames still being batched are written by
    // the flush already scheduled, which comes back here).
    if (writeBlocked && this.writer.pendingBytes === 0 && !this.drainWatched) {
      this.drainWatched = true;
      this.stream.whenWritten().then(this.onDrainFn, this.onDrainFn);
    }
    this.watchStall(writeBlocked);
    if (pause === this.readPaused) return;
    this.readPaused = pause;
    if (pause) {
      this.reader.pause();
      this.stream.pauseReading();
      return;
    }
    this.reader.resume();
    try {
      this.reader.deliverHeld();
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    // Delivering may have paused again (or closed); read on only if still reading.
    if (!this.readPaused && !this.isClosed && !this.closing) this.stream.resumeReading();
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
    this.replied();
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
    this.replied();
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
    if (this.inbound.size > 0 || this.pending.size > 0) return;
    this.closing = true;
    this.closeWhenFlushed(undefined);
  }

  /** Write the last frames now, then close (with `error`) once the kernel has them. */
  private closeWhenFlushed(error: Error | undefined): void {
    this.flush();
    const stream = this.stream;
    if (stream.closed()) return;
    if (stream.writeBufferSize === 0) {
      this.close(error);
      return;
    }
    this.closeError = error;
    stream.closeWhenWritten();
  }

  /** Start (or stop) watching write progress while reading waits behind our replies. */
  private watchStall(blocked: boolean): void {
    if (!blocked || this.writeTimeoutMs <= 0) {
      this.stallSince = -1;
      return;
    }
    if (this.stallSince !== -1) return;
    this.stallMark = this.stream.bytesWritten;
    this.stallSince = this.sweeper.stamp;
  }

  /** The sweep's write-progress check: close when no reply byte moved for `writeTimeoutMs`. */
  private checkStall(now: number): void {
    if (this.closing) return;
    if (!this.repliesOverMark() && !(this.readPaused && this.drainWatched)) {
      this.stallSince = -1;
      return;
    }
    const written = this.stream.bytesWritten;
    if (written !== this.stallMark) {
      this.stallMark = written;
      this.stallSince = now;
      return;
    }
    if (now - this.stallSince >= this.writeTimeoutMs) {
      this.logger.warn(
        { clientId: this.clientId || undefined },
        `closing RPC connection: no reply bytes reached the peer for ${this.writeTimeoutMs} ms`,
      );
      this.close(
        new RpcDisconnectedError(
          `the peer read none of our replies for ${this.writeTimeoutMs} ms (writeTimeoutMs)`,
        ),
      );
    }
  }

  private finish(error: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.reader.stop();
    this.sweeper.delete(this);
    this.stallSince = -1;
    this.helloDeadline = Number.POSITIVE_INFINITY;
    if (this.inbound.size > 0) {
      // The peer is gone: drop the replies, cancel the timers, tell context handlers to stop.
      const gone = new RpcDisconnectedError("connection closed; the reply is dropped", error);
      for (const call of this.inbound) {
        call.settled = true;
        call.deadline = Number.POSITIVE_INFINITY;
        call.ctx?.abort(gone);
        if (call.diag !== null) finishTraced(call.diag, gone);
      }
      this.inbound.clear();
    }
    if (this.pending.size > 0) {
      const calls = [...this.pending.values()];
      this.pending.clear();
      const why = error !== undefined ? `: ${error.message}` : "";
      for (const call of calls) {
        settledCall(call);
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
