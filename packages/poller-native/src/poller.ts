// poller.ts: the Poller class, a level-triggered readiness set delivering batches to one callback.
import { PollerClosedError } from "./errors.js";
import { ERROR, READ, WRITE } from "./events.js";
import { native } from "./native.js";
import { DEFAULT_READ_AHEAD_BYTES } from "./read-ahead.js";
import { checkFd } from "./validate.js";

/** Kernel readiness API behind a Poller. */
export type PollerBackend = "epoll" | "poll" | "kqueue";

/**
 * Called once per harvested batch. `count` = number of (fd, events) pairs now in `poller.events`:
 * pairs are at `events[2*i]` (fd) and `events[2*i+1]` (event bits). An entry whose fd is -1 was
 * invalidated (its fd was removed during this dispatch) and must be skipped.
 */
export type PollerBatchCallback = (count: number) => void;

/** Options of {@link Poller}. */
export interface PollerOptions {
  /**
   * Kernel API. Default: `epoll` on Linux, `kqueue` on macOS/BSD, else `poll`; the environment
   * variable `T_POLLER_BACKEND` overrides the default (not an explicit option).
   */
  backend?: PollerBackend;
  /** Pairs per batch (the length of `events` is twice this). Default 1024; 1..65536. */
  maxEvents?: number;
  /**
   * Size in bytes of the receive buffer that read-ahead ({@link Poller.setReadAhead}) fills
   * during a harvest, allocated once with the poller. Default 256 KiB; 0 disables read-ahead;
   * at most 1 GiB.
   */
  readAheadBytes?: number;
}

const ALL_EVENTS = READ | WRITE | ERROR;
const DEFAULT_MAX_EVENTS = 1024;

/** Backends compiled into the loaded binary, best first (`poll` is always there). */
export const backends: readonly PollerBackend[] = Object.freeze(
  native.backends.slice() as PollerBackend[],
);

function defaultBackend(): PollerBackend {
  const fromEnv = process.env.T_POLLER_BACKEND;
  if (fromEnv !== undefined && fromEnv !== "") {
    if (!(backends as readonly string[]).includes(fromEnv)) {
      throw new RangeError(
        `T_POLLER_BACKEND=${JSON.stringify(fromEnv)} is not available here; expected one of ${backends.join(", ")}`,
      );
    }
    return fromEnv as PollerBackend;
  }
  return backends[0] ?? "poll";
}

function checkEvents(events: unknown): void {
  if (typeof events !== "number" || !Number.isInteger(events)) {
    throw new TypeError(`events must be an integer (READ | WRITE | ERROR), got ${String(events)}`);
  }
  if (events < 0 || (events & ~ALL_EVENTS) !== 0) {
    throw new RangeError(
      `events must combine READ (0x1), WRITE (0x4) and ERROR (0x18) only, got 0x${events.toString(16)}`,
    );
  }
}

/**
 * A level-triggered readiness poller integrated with Node's event loop. Register descriptors
 * with {@link Poller.add}, then {@link Poller.start}; every wakeup delivers ready descriptors in
 * batches through the one callback given to the constructor. A new Poller is not started.
 *
 * Exceptions thrown by the callback become uncaught exceptions (`process.on("uncaughtException")`).
 */
export class Poller {
  /** The kernel API in use. */
  readonly backend: PollerBackend;
  /** Shared `Int32Array` of length `2 * maxEvents`, allocated once; valid during the callback only. */
  readonly events: Int32Array;
  /** Pairs per batch. */
  readonly maxEvents: number;
  /**
   * Read-ahead outcome per batch entry, beside `events` (same ArrayBuffer): for entry `i`,
   * `readAhead[2*i]` is the offset in {@link Poller.receiveBuffer} and `readAhead[2*i+1]` the
   * result — bytes read (> 0), 0 at end of file, a negative errno (`-EAGAIN`: nothing to read),
   * or `READ_AHEAD_NONE` when the entry was not read ahead. Valid during the callback only.
   */
  readonly readAhead: Int32Array;
  /**
   * The receive buffer read-ahead fills (`readAheadBytes` long, allocated once). Bytes of one
   * batch are overwritten by the next: consume or copy them during the callback.
   */
  readonly receiveBuffer: Buffer;
  #id: number;
  #closed = false;
  #started = false;

  /**
   * @param onBatch - called once per batch with the number of pairs in `events`.
   * @param options - backend and batch size.
   * @throws TypeError/RangeError for bad arguments; a system error if the kernel refuses.
   */
  constructor(onBatch: PollerBatchCallback, options: PollerOptions = {}) {
    if (typeof onBatch !== "function") {
      throw new TypeError("onBatch must be a function (count: number) => void");
    }
    if (typeof options !== "object" || options === null) {
      throw new TypeError("options must be an object");
    }
    const backend = options.backend ?? defaultBackend();
    if (!(backends as readonly string[]).includes(backend)) {
      throw new RangeError(
        `backend ${JSON.stringify(backend)} is not available on ${process.platform}; ` +
          `expected one of ${backends.join(", ")}`,
      );
    }
    const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
    if (typeof maxEvents !== "number" || !Number.isInteger(maxEvents)) {
      throw new TypeError(`maxEvents must be an integer, got ${String(maxEvents)}`);
    }
    if (maxEvents < 1 || maxEvents > 65536) {
      throw new RangeError(`maxEvents must be in 1..65536, got ${maxEvents}`);
    }
    const readAheadBytes = options.readAheadBytes ?? DEFAULT_READ_AHEAD_BYTES;
    if (typeof readAheadBytes !== "number" || !Number.isInteger(readAheadBytes)) {
      throw new TypeError(`readAheadBytes must be an integer, got ${String(readAheadBytes)}`);
    }
    if (readAheadBytes < 0 || readAheadBytes > 0x40000000) {
      throw new RangeError(`readAheadBytes must be in 0..2^30, got ${readAheadBytes}`);
    }
    const [id, events, readAhead, receive] = native.pollerCreate(
      backend,
      maxEvents,
      onBatch,
      readAheadBytes,
    );
    this.#id = id;
    this.backend = backend;
    this.events = events;
    this.readAhead = readAhead;
    this.receiveBuffer = Buffer.from(receive.buffer, receive.byteOffset, receive.length);
    this.maxEvents = maxEvents;
  }

  /** Whether {@link Poller.close} has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether batches are being delivered (between start() and stop()/close()). */
  get started(): boolean {
    return this.#started;
  }

  /** Number of descriptors currently registered (0 once closed). */
  get size(): number {
    return this.#closed ? 0 : native.pollerSize(this.#id);
  }

  /**
   * Registers `fd` for `events` (READ | WRITE | ERROR; ERROR is always delivered).
   * @throws a system error with code `EEXIST` if already added, `EBADF` if fd is not open.
   */
  add(fd: number, events: number): void {
    if (this.#closed) throw new PollerClosedError("add");
    checkFd(fd);
    checkEvents(events);
    native.pollerAdd(this.#id, fd, events);
  }

  /**
   * Replaces the interest mask of a registered `fd`.
   * @throws a system error with code `ENOENT` if `fd` is not registered.
   */
  modify(fd: number, events: number): void {
    if (this.#closed) throw new PollerClosedError("modify");
    checkFd(fd);
    checkEvents(events);
    native.pollerModify(this.#id, fd, events);
  }

  /**
   * Unregisters `fd`. During a dispatch this also sets to -1 the fd of that descriptor's entries
   * in the current batch, so a later entry is never delivered for a removed descriptor.
   * A registered fd that was closed first is removed without error.
   * @throws a system error with code `ENOENT` if `fd` is not registered.
   */
  remove(fd: number): void {
    if (this.#closed) throw new PollerClosedError("remove");
    checkFd(fd);
    native.pollerRemove(this.#id, fd);
  }

  /**
   * Read-ahead for a registered `fd`: when a harvest reports READ for it, the poller reads up to
   * `maxBytes` from it into {@link Poller.receiveBuffer} in the same crossing (read(2), EINTR
   * retried) and records the outcome in {@link Poller.readAhead} — so the callback gets the bytes
   * without a read() of its own. An fd is read ahead only while at least `maxBytes` of the
   * buffer are free in that batch (later fds are simply not read ahead). `maxBytes` 0 turns it
   * off; `add` and `remove` turn it off too. Whoever sets it must consume every read-ahead
   * result of the fd: the bytes have left the kernel.
   * @throws RangeError unless `0 <= maxBytes <= readAheadBytes`.
   */
  setReadAhead(fd: number, maxBytes: number): void {
    if (this.#closed) throw new PollerClosedError("setReadAhead");
    native.pollerSetReadAhead(this.#id, fd, maxBytes);
  }

  /** Begins delivering batches. Idempotent. */
  start(): void {
    if (this.#closed) throw new PollerClosedError("start");
    native.pollerStart(this.#id);
    this.#started = true;
  }

  /**
   * Stops delivering batches until {@link Poller.start}; ready descriptors stay pending
   * (level-triggered) and a stopped poller never spins the CPU. Idempotent.
   */
  stop(): void {
    if (this.#closed) return;
    native.pollerStop(this.#id);
    this.#started = false;
  }

  /** A started poller keeps the process alive (the default). */
  ref(): void {
    if (!this.#closed) native.pollerRef(this.#id);
  }

  /** A started poller no longer keeps the process alive by itself. */
  unref(): void {
    if (!this.#closed) native.pollerUnref(this.#id);
  }

  /**
   * Releases the kernel object and the loop handle. Idempotent, and safe inside the callback
   * (the rest of the current batch is invalidated). Registered descriptors are not closed.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#started = false;
    native.pollerClose(this.#id);
  }
}
