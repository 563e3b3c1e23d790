// The protocol core's edge cases (found in review): each test failed before its fix.

import * as pn from "@t/poller-native";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IOStream } from "../src/index.js";
import { LoopFixture, within } from "./helpers.js";

let fx: LoopFixture;
beforeEach(() => {
  fx = new LoopFixture();
});
afterEach(async () => {
  await fx.dispose();
});

describe("protocol core edge cases (core)", () => {
  it("closeWhenWritten while connecting closes once the queued bytes are written", async () => {
    const { fd: lfd, port } = fx.listen();
    const c = fx.track(new IOStream(pn.socket(4)));
    const accepted = fx.accept(lfd);
    const connecting = c.connect("127.0.0.1", port);
    c.send(Buffer.from("hello"));
    c.closeWhenWritten();
    const s = fx.track(new IOStream(await accepted));
    await within(connecting);
    // expected: the peer sees "hello" then EOF; the client stream closes.
    const got = await within(s.readUntilClose(), 3000, "peer EOF");
    expect(got.toString()).toBe("hello");
    expect(c.closed()).toBe(true);
  });

  it("close(err) with corked bytes to a gone peer keeps the caller's error", async () => {
    const [s, c] = fx.unixPair();
    c.close();
    // let the close be visible to s's socket
    await within(s.readUntilClose().catch(() => Buffer.alloc(0)));
    const [s2, c2] = fx.unixPair();
    c2.close();
    const mine = new Error("protocol says no");
    s2.cork();
    s2.send(Buffer.from("bye"));
    s2.close(mine);
    expect(s2.error).toBe(mine);
    expect(s.closed()).toBe(true);
  });

  it("bytes buffered while paused are offered on resume even if the peer closed meanwhile", async () => {
    const [s, c] = fx.unixPair();
    let got = "";
    s.setDataConsumer((buf, start, end) => {
      got += buf.toString("latin1", start, end);
      return end - start;
    });
    s.pauseReading();
    await c.write("last words");
    c.close();
    await within(new Promise<void>((r) => s.setCloseCallback(r)));
    s.resumeReading();
    expect(got).toBe("last words");
  });

  it("a Promise read started inside the consumer: the bytes after it are offered to the consumer", async () => {
    const [s, c] = fx.unixPair();
    const seen: string[] = [];
    let body: Promise<Buffer> | null = null;
    const gotC = new Promise<void>((resolve) => {
      s.setDataConsumer((buf, start, end) => {
        const text = buf.toString("latin1", start, end);
        seen.push(text);
        if (body === null && text.startsWith("A")) {
          body = s.readBytes(1); // the "B"
          return 1;
        }
        if (text.startsWith("C")) resolve();
        return end - start;
      });
    });
    await c.write("ABC");
    await within(gotC, 2000, "consumer offered C");
    expect((await within(body as unknown as Promise<Buffer>)).toString()).toBe("B");
  });

  it("a Promise read outside the consumer that leaves bytes: they are offered to the consumer", async () => {
    const [s, c] = fx.unixPair();
    let got = "";
    const gotB = new Promise<void>((resolve) => {
      s.setDataConsumer((buf, start, end) => {
        got += buf.toString("latin1", start, end);
        if (got.includes("B")) resolve();
        return end - start;
      });
    });
    const a = s.readBytes(1);
    await c.write("AB");
    expect((await within(a)).toString()).toBe("A");
    await within(gotB, 2000, "consumer offered B");
  });

  it("a consumer that re-sets itself and waits for more (returns 0) does not spin", async () => {
    const [s, c] = fx.unixPair();
    let calls = 0;
    const consumer = (_buf: Buffer, start: number, end: number): number => {
      calls++;
      if (calls > 1000) throw new Error("spinning");
      s.setDataConsumer(consumer); // e.g. a protocol re-arming per message
      return end - start >= 4 ? 4 : 0;
    };
    s.setDataConsumer(consumer);
    await c.write("ab");
    // wait until the bytes are buffered (the consumer said "need more")
    await within(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (s.readBufferSize === 2 || s.closed()) resolve();
          else fx.loop.callLater(1, check);
        };
        check();
      }),
    );
    await c.write("c");
    await within(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (s.readBufferSize === 3 || s.closed()) resolve();
          else fx.loop.callLater(1, check);
        };
        check();
      }),
    );
    expect(s.error?.message).toBeUndefined();
    expect(calls).toBeLessThan(10);
  });

  it("pause then resume inside a consumer that returns 0 does not spin", async () => {
    const [s, c] = fx.unixPair();
    let calls = 0;
    s.setDataConsumer((_buf, start, end) => {
      calls++;
      if (calls > 1000) throw new Error("spinning");
      s.pauseReading();
      s.resumeReading();
      return end - start >= 4 ? 4 : 0;
    });
    await c.write("ab");
    await c.write("c");
    await within(
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (s.readBufferSize === 3 || s.closed()) resolve();
          else fx.loop.callLater(1, check);
        };
        check();
      }),
    );
    expect(s.error?.message).toBeUndefined();
    expect(calls).toBeLessThan(10);
  });
});
