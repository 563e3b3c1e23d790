// BoundedLineWriter on a slow stream: lines written while earlier ones wait are joined into few
// writes (memory per waiting line stays its text), none is lost or reordered, and past the bound
// lines are dropped and reported once the stream drains.

import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { BoundedLineWriter } from "../src/index.js";

/** A stream that finishes each write only when told to (a reader that is slow). */
function slowStream(highWaterMark: number) {
  const chunks: string[] = [];
  const pending: (() => void)[] = [];
  const stream = new Writable({
    highWaterMark,
    decodeStrings: false,
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      pending.push(done);
    },
  });
  const release = () => {
    for (const done of pending.splice(0)) done();
  };
  return { stream, chunks, release };
}

async function settle(release: () => void, rounds = 50): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    release();
    await new Promise((r) => setImmediate(r));
  }
}

describe("BoundedLineWriter", () => {
  it("joins the lines that wait into few writes, keeping every line in order", async () => {
    const { stream, chunks, release } = slowStream(1 << 20); // never reaches "needs drain"
    const writer = new BoundedLineWriter(stream, 1 << 20);
    for (let i = 0; i < 1000; i++) writer.write(`line ${i}`);
    await settle(release);
    const text = chunks.join("");
    expect(text).toBe(Array.from({ length: 1000 }, (_, i) => `line ${i}\n`).join(""));
    expect(chunks.length).toBeLessThan(10); // one write, then the rest joined
    expect(writer.droppedLines).toBe(0);
  });

  it("drops past the bound and reports how many once the stream drains", async () => {
    const { stream, chunks, release } = slowStream(16);
    const writer = new BoundedLineWriter(stream, 4096);
    const line = "x".repeat(100);
    for (let i = 0; i < 1000; i++) writer.write(line);
    expect(writer.droppedLines).toBeGreaterThan(900);
    const dropped = writer.droppedLines;
    await settle(release);
    const text = chunks.join("");
    const kept = text.split("\n").filter((l) => l === line).length;
    expect(kept + dropped).toBe(1000);
    expect(text).toContain(`[W log] ${dropped} log lines dropped`);
    // What waited never passed the bound by more than one batch.
    expect(kept * 101).toBeLessThanOrEqual(4096 + 64 * 1024);
  });
});
