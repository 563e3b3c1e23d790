// httputil pieces without sockets: HTTPHeaders, start lines, cookies, arguments, multipart, requests.

import { describe, expect, it } from "vitest";
import { sweepIntervalFor } from "../src/connection-sweeper.js";
import { resolveHTTPServerOptions } from "../src/http-server-options.js";
import {
  formatHttpDate,
  HTTPHeaders,
  HTTPInputError,
  HTTPServerRequest,
  parseBodyArguments,
  parseCookie,
  parseHeaderParams,
  parseMultipartFormData,
  parseQueryString,
  parseRequestStartLine,
  parseResponseStartLine,
} from "../src/index.js";

describe("HTTPHeaders", () => {
  it("refuses values whose characters beyond latin1 would be written as CR or LF", () => {
    expect(() => new HTTPHeaders({ "X-A": "v\u010d\u010aInjected: yes" })).toThrow(TypeError);
    expect(() => new HTTPHeaders().add("X-A", `${"y".repeat(80)}\u010a`)).toThrow(TypeError);
    expect(() => new HTTPHeaders().add("X-A", "caf\u00e9")).not.toThrow();
    // The message says what is wrong: a character beyond latin1 is not "CR, LF or NUL".
    expect(() => new HTTPHeaders().add("X-A", "5 \u20ac")).toThrow(
      "value of header X-A must not contain characters beyond U+00FF",
    );
    expect(() => new HTTPHeaders().add("X-A", "a\rb")).toThrow(
      "value of header X-A must not contain CR, LF or NUL",
    );
  });

  it("is case-insensitive, ordered and multi-valued", () => {
    const h = new HTTPHeaders({ "Content-Type": "text/html" });
    h.add("Set-Cookie", "A=B");
    h.add("set-cookie", "C=D");
    expect(h.get("content-type")).toBe("text/html");
    expect(h.get("SET-COOKIE")).toBe("A=B,C=D");
    expect(h.getList("Set-Cookie")).toEqual(["A=B", "C=D"]);
    expect(h.getList("Missing")).toEqual([]);
    expect(h.get("Missing", "dflt")).toBe("dflt");
    expect([...h]).toEqual([
      ["Content-Type", "text/html"],
      ["Set-Cookie", "A=B"],
      ["set-cookie", "C=D"],
    ]);
    expect(h.keys()).toEqual(["Content-Type", "Set-Cookie"]);
    expect(h.count).toBe(3);
    h.set("SET-COOKIE", "E=F");
    expect(h.getList("set-cookie")).toEqual(["E=F"]);
    expect(h.delete("content-type")).toBe(true);
    expect(h.has("Content-Type")).toBe(false);
    expect(h.serialize()).toBe("SET-COOKIE: E=F\r\n");
  });

  it("copies, accepts pairs and arrays, and serializes to JSON", () => {
    const h = new HTTPHeaders([
      ["A", "1"],
      ["a", "2"],
    ]);
    const copy = h.copy();
    copy.add("B", 3);
    expect(h.has("B")).toBe(false);
    expect(new HTTPHeaders({ X: ["1", "2"] }).getList("x")).toEqual(["1", "2"]);
    expect(copy.toJSON()).toEqual({ A: "1,2", B: "3" });
  });

  it("rejects bad names and values with TypeError", () => {
    expect(() => new HTTPHeaders({ "Bad Name": "x" })).toThrow(TypeError);
    expect(() => new HTTPHeaders().add("X", "a\nb")).toThrow(TypeError);
    expect(() => new HTTPHeaders().add("X", "a\rb")).toThrow(TypeError);
    expect(() => new HTTPHeaders().set("", "x")).toThrow(TypeError);
  });

  it("parses a header block strictly", () => {
    const h = HTTPHeaders.parse("Content-Type: text/plain\r\nX-Multi: a\r\nx-multi: b \r\n\r\n");
    expect(h.get("content-type")).toBe("text/plain");
    expect(h.getList("X-Multi")).toEqual(["a", "b"]);
    for (const bad of [
      "X: a\r\n folded\r\n",
      "X : a\r\n",
      "NoColon\r\n",
      "X: a\u0000\r\n",
      "Bad Name: x\r\n",
    ]) {
      expect(() => HTTPHeaders.parse(bad)).toThrow(HTTPInputError);
    }
  });
});

describe("start lines", () => {
  it("parses request and response lines", () => {
    expect(parseRequestStartLine("GET /foo HTTP/1.1")).toEqual({
      method: "GET",
      path: "/foo",
      version: "HTTP/1.1",
    });
    expect(parseResponseStartLine("HTTP/1.1 200 OK")).toEqual({
      version: "HTTP/1.1",
      code: 200,
      reason: "OK",
    });
    for (const bad of [
      "GET /foo",
      "GET /foo HTTP/1.1 x",
      "G T /foo HTTP/1.1",
      "GET /foo HTTP/11",
      "G(T / HTTP/1.1",
    ]) {
      expect(() => parseRequestStartLine(bad)).toThrow(HTTPInputError);
    }
    expect(() => parseResponseStartLine("HTTP/1.1 2000 OK")).toThrow(HTTPInputError);
  });
});

describe("cookies", () => {
  it("parses like browsers send (Tornado's parse_cookie cases)", () => {
    expect(parseCookie("chips=ahoy; vienna=finger")).toEqual({ chips: "ahoy", vienna: "finger" });
    expect(parseCookie('keebler="E=mc2; L=\\"Loves\\"; fudge=\\012;"')).toEqual({
      keebler: '"E=mc2',
      L: '\\"Loves\\"',
      fudge: "\\012",
      "": '"',
    });
    expect(parseCookie('a="b\\"c\\012"')).toEqual({ a: 'b"c\n' });
    expect(parseCookie("keebler=E=mc2")).toEqual({ keebler: "E=mc2" });
    // Header bytes arrive as latin1 characters: escapes are code points (Tornado's \351 = é),
    // raw bytes are UTF-8 where valid (☃ = E2 98 83), else kept as latin1.
    const raw = (s: string) => Buffer.from(s, "utf8").toString("latin1");
    expect(parseCookie(raw('snow="\\351☃"; bare=☃x; quoted="a\\"☃"'))).toEqual({
      snow: "é☃",
      bare: "☃x",
      quoted: 'a"☃',
    });
    expect(parseCookie("old=caf\xe9")).toEqual({ old: "caf\xe9" }); // not UTF-8: latin1 é
    expect(parseCookie("js=☃")).toEqual({ js: "☃" }); // already a JavaScript string
    expect(parseCookie("key:term=value:term")).toEqual({ "key:term": "value:term" });
    expect(parseCookie("a=b; c=[; d=r; f=h")).toEqual({ a: "b", c: "[", d: "r", f: "h" });
    expect(parseCookie("  =  b  ;  ;  =  ;   c  =  ;  ")).toEqual({ "": "b", c: "" });
    expect(parseCookie("unnamed")).toEqual({ "": "unnamed" });
  });
});

describe("arguments", () => {
  it("parses query strings keeping blanks, + as space, UTF-8 escapes", () => {
    expect(parseQueryString("a=1&b=&a=2&c&d=x+y&e=%C3%A9")).toEqual({
      a: ["1", "2"],
      b: [""],
      c: [""],
      d: ["x y"],
      e: ["é"],
    });
  });

  it("parses header parameters, quoted and RFC 2231", () => {
    expect(parseHeaderParams('form-data; name="fi\\"le"; filename=a.txt')).toEqual([
      "form-data",
      { name: 'fi"le', filename: "a.txt" },
    ]);
    expect(parseHeaderParams("attachment; filename*=utf-8''%C3%A9t%C3%A9.txt")[1].filename).toBe(
      "été.txt",
    );
    expect(parseHeaderParams("Text/HTML")).toEqual(["text/html", {}]);
  });

  const multipart = (body: string) => Buffer.from(body.replace(/\n/g, "\r\n"), "utf8");

  it("parses multipart/form-data with files and fields (Tornado's cases)", () => {
    const args = {} as Record<string, string[]>;
    const files = {} as Record<string, { filename: string; body: Buffer; contentType: string }[]>;
    parseMultipartFormData(
      '"1234"',
      multipart(`--1234
Content-Disposition: form-data; name="files"; filename="ab.txt"

Foo
--1234
Content-Disposition: form-data; name=field

value
--1234--
`),
      args,
      files,
    );
    expect(files.files[0].filename).toBe("ab.txt");
    expect(files.files[0].body.toString()).toBe("Foo");
    expect(files.files[0].contentType).toBe("application/unknown");
    expect(args.field).toEqual(["value"]);
  });

  it("decodes raw UTF-8 names and filenames in multipart parts, as browsers send them", () => {
    const args = {} as Record<string, string[]>;
    const files = {} as Record<string, { filename: string; body: Buffer }[]>;
    parseMultipartFormData(
      "B",
      multipart(`--B
Content-Disposition: form-data; name="名前"

値
--B
Content-Disposition: form-data; name="upload"; filename="文件.txt"

data
--B--
`),
      args,
      files,
    );
    expect(Object.entries(args)).toEqual([["名前", ["値"]]]);
    expect(files.upload[0].filename).toBe("文件.txt");
  });

  // A hang guard, not a speed test: the quadratic scan this replaced needed ~18 s for this input.
  it("parses a parameter list of two million semicolons without rescanning it", () => {
    const value = `form-data${";".repeat(2_000_000)}name=x`;
    const [main, params] = parseHeaderParams(value);
    expect(main).toBe("form-data");
    expect(params.name).toBe("x");
  }, 5000);

  it("rejects malformed multipart bodies with HTTPInputError", () => {
    const bad = [
      "--1234\nContent-Disposition: form-data; name=a\n\nvalue\n", // no final boundary
      "--1234\nContent-Disposition: invalid; name=a\n\nx\n--1234--\n", // bad disposition
      '--1234\nContent-Disposition: form-data; filename="x"\n\nx\n--1234--\n', // no name
      "--1234\nContent-Disposition: form-data; name=a\nx\n--1234--\n", // no header end
      "--1234\nContent-Disposition: form-data; name=a\n\nx--1234--\n", // no CRLF before boundary
    ];
    for (const b of bad) {
      expect(() => parseMultipartFormData("1234", multipart(b), {}, {})).toThrow(HTTPInputError);
    }
  });

  it("parseBodyArguments dispatches on Content-Type and skips encoded bodies", () => {
    const args = {} as Record<string, string[]>;
    parseBodyArguments(
      "application/x-www-form-urlencoded; charset=utf-8",
      Buffer.from("a=1&b=%20"),
      args,
      {},
    );
    expect(args).toEqual({ a: ["1"], b: [" "] });
    const skipped = {} as Record<string, string[]>;
    parseBodyArguments(
      "application/x-www-form-urlencoded",
      Buffer.from("a=1"),
      skipped,
      {},
      new HTTPHeaders({ "Content-Encoding": "gzip" }),
    );
    expect(skipped).toEqual({});
    expect(() => parseBodyArguments("multipart/form-data", Buffer.from("x"), {}, {})).toThrow(
      HTTPInputError,
    );
  });
});

describe("HTTPServerRequest", () => {
  it("splits uri into path and query, merges arguments, reads host and cookies lazily", () => {
    const req = new HTTPServerRequest({
      method: "POST",
      uri: "/p/a?x=1&x=2",
      headers: new HTTPHeaders({
        Host: "Example.COM:8080",
        Cookie: "a=1; b=2",
        "Content-Type": "application/x-www-form-urlencoded",
      }),
      body: Buffer.from("x=3&y=4"),
    });
    req.parseBody();
    expect(req.path).toBe("/p/a");
    expect(req.query).toBe("x=1&x=2");
    expect(req.queryArguments).toEqual({ x: ["1", "2"] });
    expect(req.bodyArguments).toEqual({ x: ["3"], y: ["4"] });
    expect(req.arguments).toEqual({ x: ["1", "2", "3"], y: ["4"] });
    expect(req.host).toBe("Example.COM:8080");
    expect(req.hostName).toBe("example.com");
    expect(req.cookies).toEqual({ a: "1", b: "2" });
    expect(req.fullUrl()).toBe("http://Example.COM:8080/p/a?x=1&x=2");
    expect(new HTTPServerRequest({ host: "[::1]:80" }).hostName).toBe("::1");
    expect(new HTTPServerRequest().host).toBe("127.0.0.1");
  });

  it("measures requestTime from startTime", async () => {
    const req = new HTTPServerRequest();
    expect(Math.abs(req.startTime - Date.now())).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 20));
    expect(req.requestTime()).toBeGreaterThanOrEqual(15);
    req.finishTime = req.startTime + 5;
    expect(req.requestTime()).toBe(5);
  });
});

describe("options and helpers", () => {
  it("validates options with TypeError/RangeError and fills defaults", () => {
    const p = resolveHTTPServerOptions({});
    expect(p).toMatchObject({
      headerTimeoutMs: 30_000,
      idleConnectionTimeoutMs: 60_000,
      bodyTimeoutMs: 120_000,
      maxHeaderSize: 65536,
      chunkSize: 65536,
    });
    expect(resolveHTTPServerOptions({ headerTimeoutMs: 0 }).headerTimeoutMs).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(() => resolveHTTPServerOptions({ maxBodySize: 0 })).toThrow(RangeError);
    expect(() => resolveHTTPServerOptions({ chunkSize: 1.5 })).toThrow(TypeError);
    expect(() => resolveHTTPServerOptions({ headerTimeoutMs: -1 })).toThrow(RangeError);
    expect(() => resolveHTTPServerOptions({ xheaders: "yes" as unknown as boolean })).toThrow(
      TypeError,
    );
    expect(() => resolveHTTPServerOptions({ protocol: "ftp" })).toThrow(RangeError);
    expect(() => resolveHTTPServerOptions({ trustedDownstream: [1 as unknown as string] })).toThrow(
      TypeError,
    );
  });

  it("sweeps at a quarter of the smallest timeout within 10 ms … 1 s", () => {
    expect(sweepIntervalFor(30_000, 60_000)).toBe(1000);
    expect(sweepIntervalFor(200, Number.POSITIVE_INFINITY)).toBe(50);
    expect(sweepIntervalFor(8)).toBe(10);
    expect(sweepIntervalFor(Number.POSITIVE_INFINITY)).toBe(1000);
  });

  it("formats HTTP dates", () => {
    expect(formatHttpDate(784111777000)).toBe("Sun, 06 Nov 1994 08:49:37 GMT");
    expect(() => formatHttpDate(Number.NaN)).toThrow(TypeError);
  });
});
