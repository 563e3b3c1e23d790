// MessageBuffer: cursors, waiters resolved by new messages, aborts, the cache bound, duplicates.

import { describe, expect, it } from "vitest";
import { type ChatMessage, MessageBuffer } from "../src/chat/message-buffer.mjs";

let n = 0;
function msg(body: string): ChatMessage {
  n++;
  return { id: `id-${n}`, from: "t", body, time: n, via: "test" };
}

describe("MessageBuffer", () => {
  it("getMessagesSince returns what follows the cursor, everything for an empty or unknown cursor", () => {
    const buf = new MessageBuffer();
    const [a, b, c] = [msg("a"), msg("b"), msg("c")];
    for (const m of [a, b, c]) buf.addMessage(m);
    expect(buf.getMessagesSince(a.id)).toEqual([b, c]);
    expect(buf.getMessagesSince(c.id)).toEqual([]);
    expect(buf.getMessagesSince("")).toEqual([a, b, c]);
    expect(buf.getMessagesSince("gone")).toEqual([a, b, c]);
  });

  it("waitForMessages resolves at once when there is news, else on the next message", async () => {
    const buf = new MessageBuffer();
    const a = msg("a");
    buf.addMessage(a);
    expect(await buf.waitForMessages("", new AbortController().signal)).toEqual([a]);
    const waiting = buf.waitForMessages(a.id, new AbortController().signal);
    expect(buf.waiters.size).toBe(1);
    const b = msg("b");
    buf.addMessage(b);
    expect(await waiting).toEqual([b]);
    expect(buf.waiters.size).toBe(0);
  });

  it("an aborted wait resolves with [] and leaves no waiter; releaseWaiters ends every wait", async () => {
    const buf = new MessageBuffer();
    const ctrl = new AbortController();
    const waiting = buf.waitForMessages("", ctrl.signal);
    ctrl.abort();
    expect(await waiting).toEqual([]);
    expect(buf.waiters.size).toBe(0);
    const w1 = buf.waitForMessages("", new AbortController().signal);
    const w2 = buf.waitForMessages("", new AbortController().signal);
    buf.releaseWaiters();
    expect(await Promise.all([w1, w2])).toEqual([[], []]);
  });

  it("keeps only cacheSize messages, ignores duplicate ids and notifies subscribers until they leave", () => {
    const buf = new MessageBuffer({ cacheSize: 2 });
    const got: string[] = [];
    const unsubscribe = buf.subscribe((m) => got.push(m.body));
    const [a, b, c] = [msg("a"), msg("b"), msg("c")];
    expect(buf.addMessage(a)).toBe(true);
    expect(buf.addMessage(a)).toBe(false);
    buf.addMessage(b);
    buf.addMessage(c);
    expect(buf.cache).toEqual([b, c]);
    unsubscribe();
    buf.addMessage(msg("d"));
    expect(got).toEqual(["a", "b", "c"]);
    expect(() => new MessageBuffer({ cacheSize: 0 })).toThrow(RangeError);
  });
});
