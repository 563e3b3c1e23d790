// Test helpers: a running loop per test and connected stream pairs over real sockets.

import { IOLoop, READ } from "@t/ioloop";
import * as pn from "@t/poller-native";
import { tlsFixtures } from "@t-tools/testing";
import { IOStream, type IOStreamOptions, type SSLIOStream } from "../src/index.js";

export { sleep, tlsFixtures, within } from "@t-tools/testing";

/** A started loop plus everything a test opened, closed again by `dispose`. */
export class LoopFixture {
  readonly loop = new IOLoop();
  private readonly done: Promise<void>;
  private readonly fds: number[] = [];
  private readonly streams: { close(): void }[] = [];

  constructor() {
    this.loop.makeCurrent();
    this.done = this.loop.start();
  }

  track<T extends { close(): void }>(stream: T): T {
    this.streams.push(stream);
    return stream;
  }

  trackFd(fd: number): number {
    this.fds.push(fd);
    return fd;
  }

  /** Close a tracked fd now (and forget it, so that dispose never closes a reused number). */
  closeFd(fd: number): void {
    const i = this.fds.indexOf(fd);
    if (i !== -1) this.fds.splice(i, 1);
    pn.close(fd);
  }

  async dispose(): Promise<void> {
    for (const s of this.streams) s.close();
    for (const fd of this.fds) {
      try {
        pn.close(fd);
      } catch {}
    }
    this.loop.stop();
    await this.done;
    this.loop.close();
    IOLoop.clearCurrent();
  }

  /** A listening TCP socket on port 0 of `host`. */
  listen(host = "127.0.0.1"): { fd: number; port: number } {
    const fd = this.trackFd(pn.socket(host.includes(":") ? 6 : 4));
    pn.setsockopt(fd, pn.constants.SOL_SOCKET, pn.constants.SO_REUSEADDR, 1);
    pn.bind(fd, host, 0);
    pn.listen(fd, 128);
    return { fd, port: pn.getsockname(fd).port };
  }

  /** Accept one connection on `lfd`, waiting for readiness on the loop. */
  accept(lfd: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const tryAccept = (): boolean => {
        const fd = pn.accept(lfd);
        if (fd >= 0) {
          resolve(fd);
          return true;
        }
        return false;
      };
      try {
        if (tryAccept()) return;
      } catch (err) {
        reject(err);
        return;
      }
      this.loop.addHandler(
        lfd,
        () => {
          try {
            if (tryAccept()) this.loop.removeHandler(lfd);
          } catch (err) {
            this.loop.removeHandler(lfd);
            reject(err);
          }
        },
        READ,
      );
    });
  }

  /** A connected TCP pair [server side, client side]. */
  async tcpPair(host = "127.0.0.1", options?: IOStreamOptions): Promise<[IOStream, IOStream]> {
    const { fd: lfd, port } = this.listen(host);
    const client = this.track(new IOStream(pn.socket(host.includes(":") ? 6 : 4), options));
    const accepted = this.accept(lfd);
    await client.connect(host, port);
    const server = this.track(new IOStream(await accepted, options));
    return [server, client];
  }

  /** A connected Unix socketpair [a, b]. */
  unixPair(options?: IOStreamOptions): [IOStream, IOStream] {
    const [a, b] = pn.socketpair();
    return [this.track(new IOStream(a, options)), this.track(new IOStream(b, options))];
  }

  /** A TLS pair over TCP [server side, client side], handshake done. */
  async tlsPair(options?: IOStreamOptions): Promise<[SSLIOStream, SSLIOStream]> {
    const [s, c] = await this.tcpPair("127.0.0.1", options);
    const [server, client] = await Promise.all([
      s.startTls({
        ...options,
        serverSide: true,
        tls: { key: tlsFixtures.key, cert: tlsFixtures.cert },
      }),
      c.startTls({
        ...options,
        serverSide: false,
        serverHostname: "localhost",
        tls: { ca: tlsFixtures.ca },
      }),
    ]);
    return [this.track(server), this.track(client)];
  }
}
