// The protocol core's edge cases (found in review): each test failed before its fix.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LoopFixture, within } from "./helpers.js";

let fx: LoopFixture;
beforeEach(() => {
  fx = new LoopFixture();
});
afterEach(async () => {
  await fx.dispose();
});

describe("protocol core edge cases (tls)", () => {
  it("closeWhenWritten on a TLS stream delivers every byte before the close", async () => {
    const [s, c] = await fx.tlsPair();
    const body = Buffer.alloc(4 << 20, 3);
    s.send(body);
    s.closeWhenWritten();
    const got = await within(c.readUntilClose(), 20_000);
    expect(got.length).toBe(body.length);
  });

  it("whenWritten on a TLS stream then close(): every byte reaches the peer", async () => {
    const [s, c] = await fx.tlsPair();
    const body = Buffer.alloc(1 << 20, 3);
    s.send(body);
    await within(s.whenWritten(), 20_000);
    s.close();
    const got = await within(c.readUntilClose(), 20_000);
    expect(got.length).toBe(body.length);
  });

  it("TLS: output backpressure releases input once the queue drains", async () => {
    const mark = 4 * 1024;
    const [s, c] = await fx.tlsPair({ writeHighWaterMark: mark });
    const requests = 200;
    const answer = 16 * 1024;
    let answered = 0;
    s.setDataConsumer((_buf, start, end) => {
      let used = 0;
      while (start + used < end) {
        s.send(Buffer.alloc(answer, 1));
        answered++;
        used++;
        if (s.writeBlocked) break;
      }
      return used;
    });
    await c.write(Buffer.alloc(requests, 0x41));
    let got = 0;
    while (got < requests * answer) {
      const chunk = await within(c.readBytes(64 * 1024, { partial: true }), 10_000);
      got += chunk.length;
    }
    expect(answered).toBe(requests);
  });
});
