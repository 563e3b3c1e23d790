// Connection life cycle over real sockets: connect errors, resets, half-close, STARTTLS, pipes.

import { createHash } from "node:crypto";
import * as pn from "@t/poller-native";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IOStream, PipeIOStream, StreamClosedError, StreamStateError } from "../src/index.js";
import { LoopFixture, sleep, tlsFixtures, within } from "./helpers.js";

describe("IOStream connections", () => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("connect to a closed port rejects with StreamClosedError carrying ECONNREFUSED", async () => {
    const { fd, port } = fx.listen();
    fx.closeFd(fd);
    const stream = fx.track(new IOStream(pn.socket(4)));
    const err = await within(stream.connect("127.0.0.1", port)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamClosedError);
    expect((err as StreamClosedError).realError).toMatchObject({ code: "ECONNREFUSED" });
    expect(stream.closed()).toBe(true);
  });

  it("connect to an unresolvable host rejects with the resolver's error", async () => {
    const stream = fx.track(new IOStream(pn.socket(4)));
    const err = await within(stream.connect("no-such-host.invalid", 80), 10_000).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(StreamClosedError);
    expect((err as StreamClosedError).realError).toMatchObject({ code: "ENOTFOUND" });
  });

  it("connect by name resolves localhost and exchanges data", async () => {
    const { fd: lfd, port } = fx.listen();
    const accepted = fx.accept(lfd);
    const client = fx.track(new IOStream(pn.socket(4)));
    await within(client.connect("localhost", port));
    const server = fx.track(new IOStream(await accepted));
    await client.write("ping");
    expect((await within(server.readBytes(4))).toString()).toBe("ping");
    expect(client.peerAddress()).toEqual({ family: "IPv4", address: "127.0.0.1", port });
  });

  it("writes and reads started while a host name is still resolving wait for the connect", async () => {
    const { fd: lfd, port } = fx.listen();
    const accepted = fx.accept(lfd);
    const client = fx.track(new IOStream(pn.socket(4)));
    const connecting = client.connect("localhost", port);
    const written = client.write("sent while resolving\n");
    const reply = client.readUntil("\n");
    await within(connecting);
    await within(written);
    const server = fx.track(new IOStream(await within(accepted)));
    expect((await within(server.readUntil("\n"))).toString()).toBe("sent while resolving\n");
    await server.write("pong\n");
    expect((await within(reply)).toString()).toBe("pong\n");
  });

  it("connect to a missing Unix socket path rejects with ENOENT", async () => {
    const stream = fx.track(new IOStream(pn.socket("unix")));
    const err = await within(stream.connect("/nonexistent/t-iostream.sock")).catch((e) => e);
    expect(err).toBeInstanceOf(StreamClosedError);
    expect((err as StreamClosedError).realError).toMatchObject({ code: "ENOENT" });
  });

  it("writes made while connecting are sent once connected", async () => {
    const { fd: lfd, port } = fx.listen();
    const accepted = fx.accept(lfd);
    const client = fx.track(new IOStream(pn.socket(4)));
    const connecting = client.connect("127.0.0.1", port);
    const written = client.write("early bytes");
    await within(connecting);
    await within(written);
    const server = fx.track(new IOStream(await accepted));
    expect((await within(server.readBytes(11))).toString()).toBe("early bytes");
  });

  it("a peer reset mid-read rejects the read with realError ECONNRESET", async () => {
    const { fd: lfd, port } = fx.listen();
    // A raw client socket that never reads: closing it with unread data sends an RST.
    const raw = fx.trackFd(pn.socket(4));
    const accepted = fx.accept(lfd);
    pn.connect(raw, "127.0.0.1", port);
    const server = fx.track(new IOStream(await within(accepted)));
    await server.write("unread by the client");
    await sleep(20);
    const read = server.readBytes(100);
    fx.closeFd(raw);
    const err = await within(read).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamClosedError);
    expect((err as StreamClosedError).realError).toMatchObject({ code: "ECONNRESET" });
    expect(server.error).toMatchObject({ code: "ECONNRESET" });
  });

  it("readUntilClose resolves with the bytes that arrived before a reset", async () => {
    const { fd: lfd, port } = fx.listen();
    const raw = fx.trackFd(pn.socket(4));
    const accepted = fx.accept(lfd);
    pn.connect(raw, "127.0.0.1", port);
    const server = fx.track(new IOStream(await within(accepted)));
    await server.write("unread by the client");
    const all = server.readUntilClose();
    await sleep(20);
    const last = Buffer.from("last words");
    expect(pn.write(raw, last, 0, last.length)).toBe(last.length);
    await sleep(20);
    fx.closeFd(raw);
    expect((await within(all)).toString()).toBe("last words");
    expect(server.error).toMatchObject({ code: "ECONNRESET" });
  });

  it("data sent before a half-close (shutdown SHUT_WR) is all delivered", async () => {
    const [server, client] = await fx.tcpPair();
    await client.write("request body");
    pn.shutdown(client.fileno(), pn.constants.SHUT_WR);
    expect((await within(server.readUntilClose())).toString()).toBe("request body");
    expect(server.closed()).toBe(true);
  });

  it("setNoDelay toggles TCP_NODELAY", async () => {
    const [server] = await fx.tcpPair();
    server.setNoDelay(true);
    expect(
      pn.getsockopt(server.fileno(), pn.constants.IPPROTO_TCP, pn.constants.TCP_NODELAY),
    ).not.toBe(0);
    server.setNoDelay(false);
    expect(pn.getsockopt(server.fileno(), pn.constants.IPPROTO_TCP, pn.constants.TCP_NODELAY)).toBe(
      0,
    );
  });
});

describe("TLS", () => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("startTls upgrades a plaintext conversation (STARTTLS) and both sides talk TLS", async () => {
    const [s, c] = await fx.tcpPair();
    await c.write("STARTTLS\r\n");
    expect((await within(s.readUntil("\r\n"))).toString()).toBe("STARTTLS\r\n");
    await s.write("GO\r\n");
    expect((await within(c.readUntil("\r\n"))).toString()).toBe("GO\r\n");
    const [server, client] = await within(
      Promise.all([
        s.startTls({ serverSide: true, tls: { key: tlsFixtures.key, cert: tlsFixtures.cert } }),
        c.startTls({ serverSide: false, serverHostname: "localhost", tls: { ca: tlsFixtures.ca } }),
      ]),
    );
    fx.track(server);
    fx.track(client);
    expect(s.closed()).toBe(true);
    // `encrypted` tells a TLS stream from a plaintext one without instanceof.
    expect([s.encrypted, server.encrypted, client.encrypted]).toEqual([false, true, true]);
    expect(client.peerCertificate().subject.CN).toBe("localhost");
    await client.write("secret\n");
    expect((await within(server.readUntil("\n"))).toString()).toBe("secret\n");
  });

  it("a peer that never completes the handshake is cut off after handshakeTimeoutMs", async () => {
    const [s] = await fx.tcpPair();
    const t0 = performance.now();
    const err = await within(
      s.startTls({
        serverSide: true,
        handshakeTimeoutMs: 200,
        tls: { key: tlsFixtures.key, cert: tlsFixtures.cert },
      }),
      5000,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamClosedError);
    expect((err as StreamClosedError).realError).toMatchObject({ code: "ETIMEDOUT" });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
  });

  it("startTls refuses a stream with buffered data", async () => {
    const [s, c] = await fx.tcpPair();
    await c.write("ab");
    await within(s.readBytes(1));
    await expect(
      s.startTls({ serverSide: true, tls: { key: tlsFixtures.key, cert: tlsFixtures.cert } }),
    ).rejects.toBeInstanceOf(StreamStateError);
  });

  it("hostname verification failure rejects the client handshake", async () => {
    const [s, c] = await fx.tcpPair();
    const server = s
      .startTls({ serverSide: true, tls: { key: tlsFixtures.key, cert: tlsFixtures.cert } })
      .catch((e: unknown) => e);
    const err = await within(
      c.startTls({
        serverSide: false,
        serverHostname: "wrong.example",
        tls: { ca: tlsFixtures.ca },
      }),
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" });
    await within(server);
  });

  it("an unknown CA rejects the client handshake", async () => {
    const [s, c] = await fx.tcpPair();
    const server = s
      .startTls({ serverSide: true, tls: { key: tlsFixtures.key, cert: tlsFixtures.cert } })
      .catch((e: unknown) => e);
    const err = await within(c.startTls({ serverSide: false, serverHostname: "localhost" })).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    await within(server);
  });

  it("SNI: the server sees the name the client sent", async () => {
    const [s, c] = await fx.tcpPair();
    let seen: string | undefined;
    const [server, client] = await within(
      Promise.all([
        s.startTls({
          serverSide: true,
          tls: {
            key: tlsFixtures.key,
            cert: tlsFixtures.cert,
            SNICallback: (name, cb) => {
              seen = name;
              cb(null, undefined);
            },
          } as never,
        }),
        c.startTls({ serverSide: false, serverHostname: "localhost", tls: { ca: tlsFixtures.ca } }),
      ]),
    );
    fx.track(server);
    fx.track(client);
    expect(seen).toBe("localhost");
  });
});

describe("PipeIOStream", () => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("moves lines through a pipe and sees end of file when the writer closes", async () => {
    const [r, w] = pn.pipe();
    const reader = fx.track(new PipeIOStream(r));
    const writer = fx.track(new PipeIOStream(w));
    await writer.write("one\ntwo\n");
    expect((await within(reader.readUntil("\n"))).toString()).toBe("one\n");
    writer.close();
    expect((await within(reader.readUntilClose())).toString()).toBe("two\n");
  });

  it("a write to a pipe whose reader closed fails with EPIPE", async () => {
    const [r, w] = pn.pipe();
    pn.close(r);
    const writer = fx.track(new PipeIOStream(w));
    const err = await within(writer.write("x")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StreamClosedError);
    expect((err as StreamClosedError).realError).toMatchObject({ code: "EPIPE" });
  });

  it("an idle write end closes without a bogus EBADF when the reader goes away", async () => {
    const [r, w] = pn.pipe();
    const writer = fx.track(new PipeIOStream(w));
    const closed = new Promise<void>((resolve) => writer.setCloseCallback(resolve));
    fx.closeFd(r);
    await within(closed);
    expect(writer.error).toBeUndefined();
    await expect(writer.write("late")).rejects.toBeInstanceOf(StreamClosedError);
  });

  it("a pipe write larger than the pipe buffer completes as the reader drains it", async () => {
    const [r, w] = pn.pipe();
    const reader = fx.track(new PipeIOStream(r));
    const writer = fx.track(new PipeIOStream(w));
    const data = Buffer.alloc(1024 * 1024, 0x7a);
    const written = writer.write(data);
    const got = await within(reader.readBytes(data.length));
    await within(written);
    expect(got.equals(data)).toBe(true);
  });
});

describe("bulk transfer", () => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  it("streams 1 GiB through a TCP pair with a matching SHA-256", async () => {
    const [server, client] = await fx.tcpPair();
    const total = 1024 * 1024 * 1024;
    const block = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < block.length; i++) block[i] = (i * 31 + 7) & 0xff;
    const sent = createHash("sha256");
    const received = createHash("sha256");
    const writer = (async () => {
      for (let off = 0; off < total; off += block.length) {
        // Vary the block so that reordering would change the digest.
        block.writeUInt32LE(off, 0);
        const copy = Buffer.from(block);
        sent.update(copy);
        await client.write(copy);
      }
      client.close();
    })();
    let got = 0;
    for (;;) {
      const chunk = await server.readBytes(1024 * 1024, { partial: true }).catch(() => null);
      if (chunk === null) break;
      received.update(chunk);
      got += chunk.length;
    }
    await within(writer, 60_000);
    expect(got).toBe(total);
    expect(received.digest("hex")).toBe(sent.digest("hex"));
  }, 120_000);
});
