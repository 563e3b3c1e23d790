// Test helpers: a running loop per test and connected stream pairs over real sockets.

import { READ } from "@t/ioloop";
import * as pn from "@t/poller-native";
import { LoopFixture as CheckedLoopFixture, tlsFixtures } from "@t-tools/testing";
import { IOStream, type IOStreamOptions, type SSLIOStream } from "../src/index.js";

export { sleep, tlsFixtures, within } from "@t-tools/testing";

/**
 * @t/testing's loop fixture (what a test `track`s is closed by `dispose`, which then fails on
 * leaked handlers, timers and sockets) plus listening and connected sockets on raw fds.
 */
export class LoopFixture extends CheckedLoopFixture {
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
    let first: IOStream | null = null;
    try {
      first = this.track(new IOStream(a, options));
      return [first, this.track(new IOStream(b, options))];
    } catch (err) {
      // Bad options: the constructor took no ownership of the descriptors.
      if (first === null) pn.close(a);
      pn.close(b);
      throw err;
    }
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
