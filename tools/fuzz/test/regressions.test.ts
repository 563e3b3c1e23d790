// Reduced inputs of what the fuzzers found. Each test fails until the parser is fixed.

import { emptyArguments, parseBodyArguments } from "@t/httpserver";
import { describe, expect, it } from "vitest";
import { BlockCoverage } from "../src/engine.mjs";
import { frameHead } from "../src/targets/http-head.mjs";

describe("http-head", () => {
  // Found by the work-per-byte oracle: hasBadMethodPrefix() rescans the method token from the
  // start of the head on every read, so a token sent one byte per read costs O(n²): with the
  // default maxHeaderSize (64 KiB) that is about 2^31 table lookups (3.2 s of CPU measured on
  // the 2-core VM) for 64 KiB from one client.
  it("scans a method token sent one byte per read in linear work", () => {
    const work = (n: number) => {
      const input = Buffer.alloc(n, 0x47); // "GGGG…": a token, no SP yet
      const cuts = Array.from({ length: n + 1 }, (_, i) => i);
      const cov = new BlockCoverage(["/packages/httpserver/dist/request-head-parser.js"]);
      try {
        cov.take();
        const out = frameHead(input, cuts);
        expect(out.kind).toBe("incomplete");
        return cov.take().work;
      } finally {
        cov.close();
      }
    };
    const small = work(250);
    const large = work(1000);
    // Four times the bytes: about four times the work when linear, sixteen when quadratic.
    expect(large / small).toBeLessThan(8);
  });
});

describe("form-body", () => {
  // The documented limit (FormLimits.maxArguments: "fields + files of a multipart one") is
  // enforced for urlencoded bodies only: a multipart body with more fields is accepted.
  it("answers 413 to a multipart body with more fields than maxArguments", () => {
    const part = '--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nv\r\n';
    const body = Buffer.from(`${part.repeat(7)}--XyZ--\r\n`, "latin1");
    const limits = { maxArguments: 6, maxMultipartParts: 100, maxPartHeaderSize: 1024 };
    const args = emptyArguments();
    expect(() =>
      parseBodyArguments("multipart/form-data; boundary=XyZ", body, args, {}, undefined, limits),
    ).toThrow(expect.objectContaining({ statusCode: 413 }));
  });

  // A raw (unescaped) non-ASCII character in a component that also holds a "%" not followed by
  // two hex digits is turned into U+FFFD: querystring.unescape falls back to unescapeBuffer,
  // which keeps only the low byte of each character. Tornado (and the WHATWG parser) keep it.
  it("keeps a raw UTF-8 character next to a stray %", () => {
    const args = emptyArguments();
    parseBodyArguments(
      "application/x-www-form-urlencoded",
      Buffer.from("%é=100%€", "utf8"),
      args,
      {},
    );
    expect({ ...args }).toEqual({ "%é": ["100%€"] });
  });
});
