// ConnectionPool: keep-alive connections per origin, maxConnectionsPerHost, maxClients and the FIFO queue.

import type { IOLoop } from "@t/ioloop";
import { type ConnectionSweeper, type IOStreamOptions, sweepIntervalFor } from "@t/iostream";
import type { TCPClient } from "@t/tcpserver";
import { ClientConnection, type ConnectionOwner } from "./client-connection.js";
import { ConnectAttempt, openStream } from "./connector.js";
import { HTTPClientClosedError } from "./errors.js";
import { CONNECTING, DONE, type Exchange, type ExchangeOwner, QUEUED } from "./exchange.js";

/** The validated pool settings. */
export interface PoolSettings {
  maxClients: number;
  maxConnectionsPerHost: number;
  keepAliveTimeoutMs: number;
  maxHeaderSize: number;
}

/** Connections to one pool key. */
class HostPool {
  /** Idle connections, most recently used last (reused first: it is the least likely to be stale). */
  readonly idle: ClientConnection[] = [];
  /** Open connections: connecting, busy and idle. */
  open = 0;
  constructor(readonly key: string) {}
}

/** Counts of a pool, for metrics and tests. */
export interface PoolStats {
  /** Requests holding a connection (or connecting). */
  inFlight: number;
  /** Requests waiting for a slot. */
  queued: number;
  /** Open connections (busy and idle). */
  connections: number;
  /** Idle keep-alive connections. */
  idle: number;
}

/**
 * Lends connections to exchanges. At most `maxClients` exchanges hold a connection at once
 * (Tornado's `max_clients`); the rest wait in one FIFO queue, dispatched in order as slots free
 * up (an exchange whose host is at `maxConnectionsPerHost` lets later ones for other hosts
 * pass). An exchange takes the most recently used idle connection of its key, else opens one if
 * the host is below its limit. Idle connections close after `keepAliveTimeoutMs`.
 */
export class ConnectionPool implements ConnectionOwner, ExchangeOwner {
  readonly loop: IOLoop;
  readonly sweeper: ConnectionSweeper;
  private readonly hosts = new Map<string, HostPool>();
  private readonly all = new Set<ClientConnection>();
  /** Exchanges holding a slot (connecting or on a connection). */
  private readonly running = new Set<Exchange>();
  private queue: Exchange[] = [];
  private inFlight = 0;
  private closed = false;
  private dispatching = false;
  private dispatchAgain = false;
  private readonly now: () => number;

  constructor(
    loop: IOLoop,
    sweeper: ConnectionSweeper,
    private readonly tcp: TCPClient,
    private readonly streamOptions: IOStreamOptions,
    private readonly settings: PoolSettings,
  ) {
    this.loop = loop;
    this.sweeper = sweeper;
    this.now = () => loop.time();
  }

  /** Run `ex` now if a slot and a connection are available, else queue it. */
  submit(ex: Exchange): void {
    if (ex.state === DONE) return;
    if (this.closed) {
      ex.fail(new HTTPClientClosedError("the client is closed"));
      return;
    }
    if (this.queue.length === 0) {
      if (!this.tryStart(ex)) this.queue.push(ex);
      return;
    }
    // Others wait already: join the end of the queue, then let it move (FIFO).
    this.queue.push(ex);
    this.dispatch();
  }

  /** Counts of requests and connections. */
  stats(): PoolStats {
    let idle = 0;
    for (const h of this.hosts.values()) idle += h.idle.length;
    return {
      inFlight: this.inFlight,
      queued: this.queue.length,
      connections: this.all.size,
      idle,
    };
  }

  /** Fail queued requests, close every connection (in-flight requests fail). */
  close(): void {
    this.closed = true;
    const queue = this.queue;
    this.queue = [];
    for (const ex of queue) ex.fail(new HTTPClientClosedError("the client was closed"));
    for (const ex of [...this.running]) ex.fail(new HTTPClientClosedError("the client was closed"));
    for (const conn of [...this.all]) conn.close();
  }

  // ---------------------------------------------------------------- ExchangeOwner

  /** @internal */
  exchangeDone(ex: Exchange): void {
    if (ex.holdsSlot) {
      ex.holdsSlot = false;
      this.running.delete(ex);
      this.inFlight--;
    } else {
      const i = this.queue.indexOf(ex);
      if (i !== -1) this.queue.splice(i, 1);
    }
    this.dispatch();
  }

  /** @internal */
  exchangeRetry(ex: Exchange): void {
    if (ex.holdsSlot) {
      ex.holdsSlot = false;
      this.running.delete(ex);
      this.inFlight--;
    }
    if (this.closed) {
      ex.fail(new HTTPClientClosedError("the client was closed"));
      return;
    }
    this.queue.unshift(ex);
    this.dispatch();
  }

  // ---------------------------------------------------------------- ConnectionOwner

  /** @internal */
  connectionIdle(conn: ClientConnection): void {
    if (this.closed || this.settings.keepAliveTimeoutMs === 0) {
      conn.close();
      return;
    }
    const host = this.hosts.get(conn.key) as HostPool;
    conn.idleDeadline = this.loop.time() + this.settings.keepAliveTimeoutMs;
    host.idle.push(conn);
    this.sweeper.shortenInterval(sweepIntervalFor(this.settings.keepAliveTimeoutMs));
    this.sweeper.add(conn);
    this.dispatch();
  }

  /** @internal */
  connectionClosed(conn: ClientConnection): void {
    if (!this.all.delete(conn)) return;
    this.sweeper.delete(conn);
    const host = this.hosts.get(conn.key) as HostPool;
    host.open--;
    const i = host.idle.indexOf(conn);
    if (i !== -1) host.idle.splice(i, 1);
    if (host.open === 0) this.hosts.delete(conn.key);
    this.dispatch();
  }

  // ---------------------------------------------------------------- internals

  /**
   * Start queued exchanges, in order, while slots allow. Not re-entered: starting one can close
   * a stale connection or fail an exchange, which asks for another pass instead.
   */
  private dispatch(): void {
    if (this.queue.length === 0) return;
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = true;
    try {
      do {
        this.dispatchAgain = false;
        const queue = this.queue;
        let i = 0;
        while (i < queue.length && this.inFlight < this.settings.maxClients) {
          const ex = queue[i];
          if (ex.state === DONE) {
            queue.splice(i, 1);
          } else if (this.tryStart(ex)) {
            const j = queue.indexOf(ex);
            if (j !== -1) queue.splice(j, 1);
            i = 0;
          } else {
            i++;
          }
        }
      } while (this.dispatchAgain);
    } finally {
      this.dispatching = false;
    }
  }

  /** Give `ex` a connection (idle or new) if the limits allow; false to keep it queued. */
  private tryStart(ex: Exchange): boolean {
    if (this.inFlight >= this.settings.maxClients) return false;
    let host = this.hosts.get(ex.key);
    if (host === undefined) {
      host = new HostPool(ex.key);
      this.hosts.set(ex.key, host);
    }
    const idle = host.idle;
    if (!ex.fresh) {
      while (idle.length > 0) {
        const conn = idle.pop() as ClientConnection;
        this.sweeper.delete(conn);
        if (conn.closed) {
          conn.close();
          continue;
        }
        this.take(ex);
        conn.start(ex);
        return true;
      }
    } else if (host.open >= this.settings.maxConnectionsPerHost && idle.length > 0) {
      // A retry needs a new connection: make room by closing the oldest idle one.
      (idle.shift() as ClientConnection).close();
    }
    if (host.open >= this.settings.maxConnectionsPerHost) return false;
    this.take(ex);
    host.open++;
    this.connect(ex, host).catch((err) => ex.fail(err));
    return true;
  }

  private take(ex: Exchange): void {
    ex.holdsSlot = true;
    this.running.add(ex);
    this.inFlight++;
  }

  private async connect(ex: Exchange, host: HostPool): Promise<void> {
    ex.state = CONNECTING;
    const attempt = new ConnectAttempt();
    ex.attempt = attempt;
    const remaining = Math.max(
      1,
      ex.request.connectTimeoutMs - (this.loop.time() - ex.lastActivity),
    );
    let stream: Awaited<ReturnType<typeof openStream>>;
    try {
      stream = await openStream(
        ex.request,
        this.tcp,
        this.streamOptions,
        remaining,
        this.settings.maxHeaderSize,
        attempt,
      );
    } catch (err) {
      host.open--;
      if (host.open === 0 && host.idle.length === 0) this.hosts.delete(host.key);
      if (ex.attempt === attempt) ex.attempt = null;
      ex.fail(err);
      this.dispatch();
      return;
    }
    if (ex.attempt === attempt) ex.attempt = null;
    // Registered before anything can close it (it reads nothing until `start`): the counts of
    // `host.open` and `all` stay exact whatever the server sends or does.
    const conn = new ClientConnection(
      stream,
      host.key,
      this,
      this.settings.maxHeaderSize,
      this.now,
    );
    this.all.add(conn);
    if ((ex.state !== CONNECTING && ex.state !== QUEUED) || this.closed || attempt.cancelled) {
      conn.close();
      return;
    }
    if (conn.closed) {
      conn.close();
      ex.onConnectionLost(stream.error, 0);
      return;
    }
    conn.start(ex);
  }
}
