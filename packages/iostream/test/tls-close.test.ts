// Closing a TLS stream: every byte written before the close reaches the peer, within a bound.

import { readlinkSync } from "node:fs";
import { until } from "@t-tools/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SSLIOStream, TlsStartOptions } from "../src/index.js";
import { LoopFixture, within } from "./helpers.js";

let fx: LoopFixture;
beforeEach(() => {
  fx = new LoopFixture();
});
afterEach(async () => {
  await fx.dispose();
});

/** The kernel object behind `fd` ("socket:[inode]"), or null once the descriptor is closed. */
function fdTarget(fd: number): string | null {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return null;
  }
}

/**
 * Answer each byte the peer sends with `answer` (sent from the data consumer, corked as a
 * protocol does); after `count` answers, `closeWhenWritten()`.
 */
function answerThenClose(s: SSLIOStream, count: number, answer: Buffer): void {
  let answered = 0;
  s.setDataConsumer((_buf, start, end) => {
    let used = 0;
    while (start + used < end && answered < count) {
      s.send(answer);
      answered++;
      used++;
      if (answered === count) s.closeWhenWritten();
    }
    return end - start;
  });
}

/** Stream options with a short linger (the pair's helper passes them on to `startTls`). */
const lingerFast: Partial<TlsStartOptions> = { lingerTimeoutMs: 200 };

describe("SSLIOStream close", () => {
  it("closeWhenWritten after a pipelined burst of small answers delivers every answer", async () => {
    const [s, c] = await fx.tlsPair();
    const count = 1000;
    const answer = Buffer.from(
      "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nContent-Type: text/plain\r\n\r\nHello world!",
    );
    answerThenClose(s, count, answer);
    c.send(Buffer.alloc(count, 0x61));
    const got = await within(c.readUntilClose(), 20_000);
    expect(got.length).toBe(count * answer.length);
  });

  it("closeWhenWritten after answers sent one loop turn apart delivers every answer", async () => {
    // Each answer leaves through the TLS socket while the previous record is still in flight.
    const [s, c] = await fx.tlsPair();
    const count = 300;
    const answer = Buffer.alloc(700, 0x62);
    answerThenClose(s, count, answer);
    const got = within(c.readUntilClose(), 20_000);
    for (let i = 0; i < count; i++) {
      c.send(Buffer.from("a"));
      await new Promise<void>((resolve) => fx.loop.addCallback(resolve));
    }
    expect((await got).length).toBe(count * answer.length);
  });

  it("close() right after a large write resolved delivers all of it", async () => {
    const [s, c] = await fx.tlsPair();
    const body = Buffer.alloc(3 << 20, 7);
    const got = within(c.readUntilClose(), 20_000);
    // 3 MiB in 1000 pieces: the last pieces are accepted by OpenSSL, not yet by the kernel.
    const piece = body.length / 1024;
    for (let off = 0; off < body.length; off += piece) s.send(body.subarray(off, off + piece));
    await within(s.write(Buffer.from("end")), 20_000);
    s.close();
    expect((await got).length).toBe(body.length + 3);
  });

  it("a close with an error drops what the TLS socket holds at once", async () => {
    const [s, c] = await fx.tlsPair();
    s.send(Buffer.alloc(8 << 20, 1));
    const fd = s.fileno();
    const target = fdTarget(fd);
    s.close(new Error("gave up"));
    expect(fdTarget(fd)).not.toBe(target);
    await within(
      c.readUntilClose().catch(() => undefined),
      20_000,
    );
  });

  it("a peer that never reads holds a closing TLS stream's descriptor no longer than lingerTimeoutMs", async () => {
    const [s] = await fx.tlsPair(lingerFast);
    s.send(Buffer.alloc(16 << 20, 1));
    const fd = s.fileno();
    const target = fdTarget(fd);
    expect(target).toMatch(/^socket:/);
    s.closeWhenWritten();
    // The base queue never drains into a peer that does not read: close() starts the linger.
    s.close();
    await until(() => fdTarget(fd) !== target, 10_000, "the descriptor closed");
  });
});
