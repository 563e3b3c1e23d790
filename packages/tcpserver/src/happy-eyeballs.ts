// Connector: Tornado's happy-eyeballs dance over resolved addresses (primary family first, the other after a delay).

import type { IOLoop, TimeoutHandle } from "@t/ioloop";
import type { IOStream } from "@t/iostream";

/** One address a name resolved to. */
export interface ResolvedAddress {
  /** Numeric IPv4 or IPv6 address. */
  address: string;
  /** Its family. */
  family: 4 | 6;
  /** The port to connect to there; when absent, the port that was asked for. */
  port?: number;
}

/** Starts one connection attempt: the stream (null if it could not even be created) and its outcome. */
export type ConnectAttempt = (address: ResolvedAddress) => {
  stream: IOStream | null;
  done: Promise<IOStream>;
};

/** Tornado's `_INITIAL_CONNECT_TIMEOUT`: head start of the primary family, in milliseconds. */
export const DEFAULT_SECONDARY_DELAY_MS = 300;

/**
 * Tornado's `_Connector`: the addresses are split by the family of the first one (primary)
 * and the rest (secondary). Primary addresses are tried one after another; the secondary
 * family starts after `secondaryDelayMs`, or at once when a primary attempt fails. The first
 * connection wins and every other attempt is closed. When every attempt failed, the promise
 * rejects with the last error.
 */
export class Connector {
  private readonly primary: ResolvedAddress[] = [];
  private readonly secondary: ResolvedAddress[] = [];
  private readonly next = [0, 0];
  private remaining: number;
  private lastError: unknown = undefined;
  private secondaryTimer: TimeoutHandle | null = null;
  private readonly streams = new Set<IOStream>();
  private settled = false;
  private resolve: (stream: IOStream) => void = () => {};
  private reject: (err: unknown) => void = () => {};

  constructor(
    addresses: readonly ResolvedAddress[],
    private readonly attempt: ConnectAttempt,
    private readonly loop: IOLoop,
    private readonly secondaryDelayMs = DEFAULT_SECONDARY_DELAY_MS,
  ) {
    if (addresses.length === 0) throw new RangeError("Connector needs at least one address");
    const first = addresses[0].family;
    for (const a of addresses) (a.family === first ? this.primary : this.secondary).push(a);
    this.remaining = addresses.length;
  }

  /** Start connecting; resolves with the winning stream. */
  start(): Promise<IOStream> {
    const p = new Promise<IOStream>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.tryConnect(0);
    if (!this.settled && this.secondary.length > 0) {
      this.secondaryTimer = this.loop.callLater(this.secondaryDelayMs, () => {
        this.secondaryTimer = null;
        this.tryConnect(1);
      });
    }
    return p;
  }

  /** Give up: close every attempt in flight (the promise is left to the caller to settle). */
  abort(): void {
    this.settled = true;
    this.clearTimer();
    this.closeStreams();
  }

  private tryConnect(which: 0 | 1): void {
    const list = which === 0 ? this.primary : this.secondary;
    if (this.next[which] >= list.length) {
      // This queue is exhausted; fail only when the other one has finished as well.
      if (this.remaining === 0 && !this.settled) {
        this.settled = true;
        this.reject(this.lastError ?? new Error("connection failed"));
      }
      return;
    }
    const address = list[this.next[which]++];
    let started: ReturnType<ConnectAttempt>;
    try {
      started = this.attempt(address);
    } catch (err) {
      started = { stream: null, done: Promise.reject(err) };
    }
    const { stream } = started;
    if (stream !== null) this.streams.add(stream);
    started.done.then(
      (s) => this.succeeded(s),
      (err: unknown) => this.failed(which, stream, err),
    );
  }

  private succeeded(stream: IOStream): void {
    this.remaining--;
    this.streams.delete(stream);
    if (this.settled) {
      stream.close(); // a late arrival
      return;
    }
    this.settled = true;
    this.clearTimer();
    this.closeStreams();
    this.resolve(stream);
  }

  private failed(which: 0 | 1, stream: IOStream | null, err: unknown): void {
    this.remaining--;
    if (stream !== null) this.streams.delete(stream);
    if (this.settled) return;
    this.lastError = err;
    this.tryConnect(which);
    if (this.secondaryTimer !== null) {
      // The primary family failed: do not wait for the head start to run out.
      this.clearTimer();
      this.tryConnect(1);
    }
  }

  private clearTimer(): void {
    if (this.secondaryTimer !== null) {
      this.loop.removeTimeout(this.secondaryTimer);
      this.secondaryTimer = null;
    }
  }

  private closeStreams(): void {
    for (const s of this.streams) s.close();
    this.streams.clear();
  }
}
