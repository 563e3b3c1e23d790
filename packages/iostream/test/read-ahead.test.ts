// read-ahead.test.ts: IOStream over the loop's read-ahead — consumer and Promise reads, EOF, resets, backpressure.

import { createHash, randomBytes } from "node:crypto";
import * as pn from "@t/poller-native";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IOStream, type IOStreamOptions } from "../src/index.js";
import { LoopFixture, within } from "./helpers.js";

/** An IOStream that counts its own read(2) calls: those the loop's read-ahead did not save. */
class CountingIOStream extends IOStream {
  ownReads = 0;
  protected override readFromFd(buf: Buffer, offset: number, length: number): number | null {
    this.ownReads++;
    return super.readFromFd(buf, offset, length);
  }
}

/** Resolves once `predicate()` holds, checked on every loop turn (bounded by `within`). */
function until(predicate: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (predicate()) resolve();
      else setImmediate(check);
    };
    check();
  });
}

describe("IOStream read-ahead", () => {
  let fx: LoopFixture;
  beforeEach(() => {
    fx = new LoopFixture();
  });
  afterEach(async () => {
    await fx.dispose();
  });

  /** [server (counting), client] over TCP on 127.0.0.1. */
  async function pair(options?: IOStreamOptions): Promise<[CountingIOStream, IOStream]> {
    const { fd: lfd, port } = fx.listen();
    const client = fx.track(new IOStream(pn.socket(4), options));
    const accepted = fx.accept(lfd);
    await within(client.connect("127.0.0.1", port));
    const server = fx.track(new CountingIOStream(await within(accepted), options));
    fx.closeFd(lfd);
    return [server, client];
  }

  it("a consumer gets each request from the loop's read-ahead, without a read of its own", async () => {
    const [server, client] = await pair();
    let got = "";
    server.setDataConsumer((buf, start, end) => {
      got += buf.toString("latin1", start, end);
      server.send(Buffer.from("ok\n"));
      return end - start;
    });
    for (let i = 0; i < 50; i++) {
      await client.write(`request ${i}\n`);
      expect((await within(client.readUntil("\n"))).toString()).toBe("ok\n");
    }
    expect(got).toBe(Array.from({ length: 50 }, (_, i) => `request ${i}\n`).join(""));
    expect(server.ownReads).toBe(0);
  });

  it("Promise reads take read-ahead bytes through the buffer, in order", async () => {
    const [server, client] = await pair();
    for (let i = 0; i < 20; i++) {
      await client.write(`line ${i}\nrest`);
      expect((await within(server.readUntil("\n"))).toString()).toBe(`line ${i}\n`);
      expect((await within(server.readBytes(4))).toString()).toBe("rest");
    }
    await client.write("0123456789");
    const into = Buffer.alloc(10);
    expect(await within(server.readInto(into))).toBe(10);
    expect(into.toString()).toBe("0123456789");
  });

  it("a megabyte through a consumer that takes odd amounts arrives intact", async () => {
    const [server, client] = await pair({ readChunkSize: 16 * 1024 });
    const data = randomBytes(1024 * 1024);
    const hash = createHash("sha256");
    let received = 0;
    let toggle = 0;
    server.setDataConsumer((buf, start, end) => {
      // Leave some bytes behind every other call: they are offered again with more.
      const take = toggle++ % 2 === 0 ? Math.max(1, Math.floor((end - start) / 3)) : end - start;
      hash.update(buf.subarray(start, start + take));
      received += take;
      return take;
    });
    await within(client.write(data), 20_000);
    await within(
      until(() => received === data.length),
      20_000,
    );
    expect(hash.digest("hex")).toBe(createHash("sha256").update(data).digest("hex"));
  });

  it("end of file reaches a consumer-mode stream through read-ahead as through its own read", async () => {
    const [server, client] = await pair();
    let got = "";
    server.setDataConsumer((buf, start, end) => {
      got += buf.toString("latin1", start, end);
      return end - start;
    });
    let closed = false;
    server.setCloseCallback(() => {
      closed = true;
    });
    await client.write("last bytes");
    client.close();
    await within(until(() => closed));
    expect(got).toBe("last bytes");
    expect(server.error).toBeUndefined();
    expect(server.ownReads).toBe(0);
  });

  it("a reset reaches a consumer-mode stream through read-ahead as ECONNRESET", async () => {
    const { fd: lfd, port } = fx.listen();
    // A raw client socket that never reads: closing it with unread data sends an RST.
    const raw = fx.trackFd(pn.socket(4));
    const accepted = fx.accept(lfd);
    pn.connect(raw, "127.0.0.1", port);
    const server = fx.track(new CountingIOStream(await within(accepted)));
    server.setDataConsumer((_buf, start, end) => end - start);
    let closed = false;
    server.setCloseCallback(() => {
      closed = true;
    });
    await within(server.write("unread by the client"));
    // Once the bytes sit in the client's receive queue (it is readable), its close resets.
    await within(
      new Promise<void>((resolve) => {
        fx.loop.addHandler(
          raw,
          () => {
            fx.loop.removeHandler(raw);
            resolve();
          },
          pn.READ,
        );
      }),
    );
    fx.closeFd(raw);
    await within(until(() => closed));
    expect(server.error).toMatchObject({ code: "ECONNRESET", syscall: "read" });
    expect(server.ownReads).toBe(0);
  });

  it("a paused consumer is read by its own stream (no read-ahead) up to readChunkSize, then offered all", async () => {
    const chunk = 16 * 1024;
    const [server, client] = await pair({ readChunkSize: chunk });
    let got = 0;
    server.setDataConsumer((_buf, start, end) => {
      got += end - start;
      return end - start;
    });
    await client.write("x");
    await within(until(() => got === 1));
    expect(server.ownReads).toBe(0);
    server.pauseReading();
    const data = Buffer.alloc(256 * 1024, 7);
    const written = client.write(data);
    await within(until(() => server.readBufferSize >= chunk));
    expect(server.ownReads).toBeGreaterThan(0);
    expect(server.readBufferSize).toBeLessThanOrEqual(2 * chunk);
    expect(got).toBe(1);
    server.resumeReading();
    await within(written);
    await within(until(() => got === 1 + data.length));
  });

  it("a consumer held back by its queued output gets no read-ahead while above the high-water mark", async () => {
    const [server, client] = await pair({ writeHighWaterMark: 1024 });
    const big = Buffer.alloc(8 * 1024 * 1024, 1);
    let got = 0;
    let answered = false;
    server.setDataConsumer((_buf, start, end) => {
      got += end - start;
      if (!answered) {
        answered = true;
        server.send(big); // the client does not read yet: the queue stays above the mark
      }
      return end - start;
    });
    await client.write("go");
    await within(until(() => server.writeBlocked));
    const before = server.ownReads;
    const gotBefore = got;
    await client.write("more while blocked");
    await within(until(() => server.ownReads > before));
    expect(got).toBe(gotBefore);
    // The client reads the big answer: the queue drains and the held bytes are offered.
    let read = 0;
    while (read < big.length)
      read += (await within(client.readBytes(1 << 20, { partial: true }))).length;
    await within(until(() => got === gotBefore + "more while blocked".length));
  });
});
