// The protocol core's edge cases (found in review): each test failed before its fix.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConnectionSweeper } from "../src/index.js";
import { LoopFixture, within } from "./helpers.js";

let fx: LoopFixture;
beforeEach(() => {
  fx = new LoopFixture({ checkLeaks: false });
});
afterEach(async () => {
  await fx.dispose();
});

describe("protocol core edge cases (small)", () => {
  it("an unmatched uncork() inside the consumer is a RangeError, and corking still works after", async () => {
    const [s, c] = fx.unixPair();
    let thrown: unknown = null;
    const called = new Promise<void>((resolve) => {
      s.setDataConsumer((_b, start, end) => {
        try {
          s.uncork(); // a bug in the protocol: no matching cork()
        } catch (err) {
          thrown = err;
        }
        resolve();
        return end - start;
      });
    });
    await c.write("x");
    await within(called);
    await new Promise((r) => fx.loop.addCallback(r));
    s.cork();
    expect(s.corked).toBe(true);
    expect(thrown).toBeInstanceOf(RangeError);
  });

  it("one item whose sweep throws does not keep the others from being swept", async () => {
    const sweeper = new ConnectionSweeper(fx.loop, 10);
    let swept = 0;
    sweeper.add({
      sweep() {
        throw new Error("an owner's callback threw");
      },
    });
    const second = new Promise<void>((resolve) => {
      sweeper.add({
        sweep() {
          swept++;
          resolve();
        },
      });
    });
    await within(second, 1000, "second item swept");
    expect(swept).toBeGreaterThan(0);
    sweeper.clear();
  });
});
