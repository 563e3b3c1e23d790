// Unit tests of the read buffer: growth, compaction, frozen views and resumable searches.

import { describe, expect, it } from "vitest";
import { ReadBuffer } from "./read-buffer.js";

function fill(rb: ReadBuffer, text: string): void {
  rb.append(Buffer.from(text, "latin1"));
}

describe("ReadBuffer", () => {
  it("hands out views that later reads never overwrite", () => {
    const rb = new ReadBuffer(16, 64);
    fill(rb, "first-chunk!");
    const view = rb.take(5);
    for (let i = 0; i < 20; i++) fill(rb, "0123456789abcdef");
    expect(view.toString()).toBe("first");
  });

  it("finds a delimiter that straddles two appends, resuming the search", () => {
    const rb = new ReadBuffer(16, 64);
    fill(rb, "abc\r");
    expect(rb.findDelimiter(Buffer.from("\r\n"), Number.POSITIVE_INFINITY)).toBe(-1);
    fill(rb, "\ndef");
    expect(rb.findDelimiter(Buffer.from("\r\n"), Number.POSITIVE_INFINITY)).toBe(5);
    expect(rb.take(5).toString()).toBe("abc\r\n");
    expect(rb.length).toBe(3);
  });

  it("does not match stale bytes beyond the unread end", () => {
    const rb = new ReadBuffer(16, 64);
    fill(rb, "aaaa\n");
    rb.copyOut(Buffer.alloc(5), 0); // consumed without a view: storage is reused
    fill(rb, "bb");
    expect(rb.findDelimiter(Buffer.from("\n"), Number.POSITIVE_INFINITY)).toBe(-1);
  });

  it("respects the search limit", () => {
    const rb = new ReadBuffer(16, 64);
    fill(rb, "0123456789\n");
    expect(rb.findDelimiter(Buffer.from("\n"), 10)).toBe(-1);
    rb.resetScan();
    expect(rb.findDelimiter(Buffer.from("\n"), 11)).toBe(11);
  });

  it("keeps unread bytes across growth and compaction", () => {
    const rb = new ReadBuffer(8, 32);
    let expected = "";
    for (let i = 0; i < 200; i++) {
      const s = `${i};`;
      fill(rb, s);
      expected += s;
      if (i % 3 === 0) {
        const out = Buffer.alloc(4);
        const n = rb.copyOut(out, 0);
        expect(out.subarray(0, n).toString()).toBe(expected.slice(0, n));
        expected = expected.slice(n);
      }
    }
    expect(rb.take(rb.length).toString()).toBe(expected);
  });
});
