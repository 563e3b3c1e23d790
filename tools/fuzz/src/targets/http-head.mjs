// Target: the HTTP/1.1 request-head framing and parser of @t/httpserver (request-head-parser.ts).

import { HTTPInputError } from "@t/httpserver";
import {
  findHeadEnd,
  hasBadMethodPrefix,
  hasBareLineBreak,
  METHOD_PREFIX_SCAN,
  ParsedHead,
  parseRequestHead,
} from "../../../../packages/httpserver/dist/request-head-parser.js";
import { check, checkEqual, expectDocumented, FuzzFinding } from "../oracle.mjs";
import { cutPoints, hashBytes } from "../rng.mjs";

const CR = 0x0d;
const LF = 0x0a;
/** The `maxHeaderSize` the emulated connection enforces (small, so that 431 is reachable). */
const MAX_HEADER = 1024;
/** Stale bytes around the live window: a parser reading outside it would see a head end. */
const BEFORE = Buffer.from("\r\n\r\n", "latin1");
const AFTER = Buffer.from("\r\n\r\n\r\n\r\n", "latin1");
const STATUSES = new Set([400, 417, 431, 505]);

const TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const TOKEN_RE = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function isDocumented(err) {
  return (
    err instanceof HTTPInputError && err.code === "T_ERR_HTTP_INPUT" && STATUSES.has(err.statusCode)
  );
}

function snapshot(head) {
  return {
    method: head.method,
    uri: head.uri,
    version: head.version,
    http11: head.http11,
    raw: [...head.raw],
    contentLength: head.contentLength,
    chunked: head.chunked,
    connectionClose: head.connectionClose,
    connectionKeepAlive: head.connectionKeepAlive,
    upgrade: head.upgrade,
    expectContinue: head.expectContinue,
    gzip: head.gzip,
    host: head.host,
  };
}

/**
 * Feed `input` in the pieces `cuts` through the same steps as HTTP1ServerConnection (skip
 * empty lines, search the head end resuming 3 bytes back, reject a bare CR/LF or a non-token
 * method early, enforce the size limit, parse). Returns `{ kind: "head", start, end, head }`,
 * `{ kind: "error", status, err }` or `{ kind: "incomplete" }`.
 */
export function frameHead(input, cuts) {
  const head = new ParsedHead();
  let pos = 0;
  let scanned = 0;
  let idle = true;
  const o = BEFORE.length;
  for (let p = 1; p < cuts.length; p++) {
    const have = cuts[p];
    const buf = Buffer.concat([BEFORE, input.subarray(0, have), AFTER]);
    const end = o + have;
    let at = o + pos;
    try {
      if (idle) {
        while (at + 1 < end && buf[at] === CR && buf[at + 1] === LF) at += 2;
        pos = at - o;
        if (at === end || (at + 1 === end && buf[at] === CR)) continue;
        idle = false;
        scanned = 0;
      }
      const avail = end - at;
      const from = scanned > 3 ? at + scanned - 3 : at;
      const headEnd = findHeadEnd(buf, from, end);
      check(
        headEnd === -1 || (headEnd >= at + 4 && headEnd <= end),
        () => `findHeadEnd returned ${headEnd} outside the live window ${at}..${end}`,
      );
      if (headEnd === -1) {
        if (avail > MAX_HEADER) {
          throw new HTTPInputError("Request head larger than maxHeaderSize", 431);
        }
        const chk = scanned > 1 ? at + scanned - 1 : at;
        if (hasBareLineBreak(buf, at, chk, end) || hasBadMethodPrefix(buf, at, end)) {
          throw new HTTPInputError("Bare CR or LF in request head");
        }
        scanned = avail;
        continue;
      }
      if (headEnd - at > MAX_HEADER) {
        throw new HTTPInputError("Request head larger than maxHeaderSize", 431);
      }
      parseRequestHead(buf, at, headEnd, head);
      return { kind: "head", start: at - o, end: headEnd - o, head: snapshot(head) };
    } catch (err) {
      expectDocumented(err, isDocumented, "request head parsing");
      return { kind: "error", status: err.statusCode, err };
    }
  }
  return { kind: "incomplete" };
}

class Reject {
  constructor(status) {
    this.status = status;
  }
}

/**
 * An independent, line-splitting reading of RFC 9112 with the parser's order of checks: the
 * outcome the parser must reach for the same bytes.
 */
export function referenceHead(input) {
  const text = input.toString("latin1");
  let start = 0;
  while (text.startsWith("\r\n", start)) start += 2;
  const rest = text.slice(start);
  if (rest === "" || rest === "\r") return { kind: "incomplete" };
  const endIdx = rest.indexOf("\r\n\r\n");
  if (endIdx === -1) {
    if (rest.length > MAX_HEADER) return { kind: "error", status: 431 };
    const bare = /\r[^\n]|(^|[^\r])\n/.test(rest);
    // The early method check looks at a bounded prefix only (constant work per read).
    const prefix = rest.slice(0, METHOD_PREFIX_SCAN);
    const m = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]*/.exec(prefix);
    const badMethod =
      m[0].length < prefix.length && (m[0].length === 0 || prefix[m[0].length] !== " ");
    return bare || badMethod ? { kind: "error", status: 400 } : { kind: "incomplete" };
  }
  const end = start + endIdx + 4;
  if (end - start > MAX_HEADER) return { kind: "error", status: 431 };
  try {
    return { kind: "head", start, end, head: referenceFields(rest.slice(0, endIdx)) };
  } catch (err) {
    if (err instanceof Reject) return { kind: "error", status: err.status };
    throw err;
  }
}

function referenceFields(block) {
  const lines = block.split("\r\n");
  const m = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21\x22\x24-\x7e]+) ([\s\S]*)$/.exec(lines[0]);
  if (m === null) throw new Reject(400);
  const [, method, target, version] = m;
  if (!(target[0] === "/" || target === "*" || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(target))) {
    throw new Reject(400);
  }
  // Origin-form as is; asterisk-form only for OPTIONS; absolute-form http(s) becomes its path
  // and query, its authority replacing Host; anything else only for CONNECT (authority-form).
  let uri = target;
  let authority = null;
  if (target[0] === "/") {
    uri = target;
  } else if (target[0] === "*") {
    if (target !== "*" || method !== "OPTIONS") throw new Reject(400);
  } else {
    const abs = /^https?:\/\/([^/?#]*)(.*)$/i.exec(target);
    if (abs !== null) {
      authority = abs[1];
      if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(:[0-9]*)?$/.test(authority)) {
        throw new Reject(400);
      }
      uri = abs[2] === "" ? "/" : abs[2][0] === "?" ? `/${abs[2]}` : abs[2];
    } else if (method !== "CONNECT") {
      throw new Reject(400);
    }
  }
  const v = /^HTTP\/([0-9])\.([0-9])$/.exec(version);
  if (v === null) throw new Reject(400);
  if (v[1] !== "1") throw new Reject(505);
  const http11 = v[2] !== "0";
  const out = {
    method,
    uri,
    version: http11 ? "HTTP/1.1" : "HTTP/1.0",
    http11,
    raw: [],
    contentLength: -1,
    chunked: false,
    connectionClose: false,
    connectionKeepAlive: false,
    upgrade: false,
    expectContinue: false,
    gzip: false,
    host: "",
  };
  let te = false;
  let hosts = 0;
  for (const line of lines.slice(1)) {
    const f = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+):[ \t]*([\t\x20-\x7e\x80-\xff]*?)[ \t]*$/.exec(line);
    if (f === null) throw new Reject(400);
    const [, name, value] = f;
    out.raw.push(name, value);
    const lower = name.toLowerCase();
    if (lower === "host") {
      hosts++;
      out.host = value;
    } else if (lower === "expect") {
      if (value.toLowerCase() !== "100-continue") throw new Reject(417);
      out.expectContinue = true;
    } else if (lower === "connection") {
      for (const t of value.toLowerCase().split(",")) {
        const tok = t.trim();
        if (tok === "close") out.connectionClose = true;
        else if (tok === "keep-alive") out.connectionKeepAlive = true;
        else if (tok === "upgrade") out.upgrade = true;
      }
    } else if (lower === "content-length") {
      if (out.contentLength !== -1) throw new Reject(400);
      if (!/^[0-9]{1,15}$/.test(value)) throw new Reject(400);
      out.contentLength = Number(value);
    } else if (lower === "content-encoding") {
      const enc = value.toLowerCase();
      if (enc === "gzip" || enc === "x-gzip") out.gzip = true;
    } else if (lower === "transfer-encoding") {
      if (te) throw new Reject(400);
      te = true;
      if (value.toLowerCase() !== "chunked") throw new Reject(400);
      out.chunked = true;
    }
  }
  if (out.chunked && out.contentLength !== -1) throw new Reject(400);
  if (te && !http11) throw new Reject(400);
  if (hosts > 1) throw new Reject(400);
  if (hosts === 0 && http11) throw new Reject(400);
  if (authority !== null) {
    out.host = authority;
    for (let k = 0; k < out.raw.length; k += 2) {
      if (out.raw[k].toLowerCase() === "host") out.raw[k + 1] = authority;
    }
    if (hosts === 0) out.raw.push("Host", authority);
  }
  return out;
}

function describe(outcome) {
  return outcome.kind === "error" ? `error ${outcome.status}` : outcome.kind;
}

/** Oracles for one input: pieces agree with one piece, and both agree with the reference. */
function run(input) {
  const whole = frameHead(input, [0, input.length]);
  const pieces = frameHead(input, cutPoints(input.length, hashBytes(input)));
  check(
    whole.kind === pieces.kind,
    () => `split feeding disagrees: ${describe(pieces)} in pieces, ${describe(whole)} in one`,
  );
  if (whole.kind === "head") {
    checkEqual(pieces.end, whole.end, "head end (pieces vs one piece)");
    checkEqual(pieces.head, whole.head, "parsed head (pieces vs one piece)");
  }
  const ref = referenceHead(input);
  if (ref.kind === "error" && whole.kind === "error") {
    checkEqual(whole.status, ref.status, "status of a rejected head (parser vs reference)");
    return;
  }
  checkEqual(describe(whole), describe(ref), "outcome (parser vs reference)");
  if (ref.kind === "head") {
    checkEqual(whole.start, ref.start, "head start (parser vs reference)");
    checkEqual(whole.end, ref.end, "head end (parser vs reference)");
    checkEqual(whole.head, ref.head, "parsed head (parser vs reference)");
  }
}

function token(rng, max = 12) {
  let s = "";
  const n = 1 + rng.below(max);
  for (let i = 0; i < n; i++) s += TCHARS[rng.below(TCHARS.length)];
  return s;
}

function fieldText(rng, max = 24) {
  let s = "";
  const n = rng.below(max);
  for (let i = 0; i < n; i++) {
    const r = rng.below(20);
    s += String.fromCharCode(
      r === 0 ? 0x80 + rng.below(128) : r === 1 ? 0x20 : 0x21 + rng.below(94),
    );
  }
  return s.trim();
}

/** A request-target for `method` and what the parser reports: `[target, uri, authority|null]`. */
function targetText(rng, method) {
  const kind = rng.below(10);
  if (kind === 0 && method === "OPTIONS") return ["*", "*", null];
  if (kind === 1) {
    const authority = `${token(rng, 8).replace(/[^a-z0-9]/gi, "") || "h"}.example:${rng.below(65536)}`;
    const rest = rng.pick(["", "/", "/p/q", "?x=1", "/a?b"]);
    const uri = rest === "" ? "/" : rest[0] === "?" ? `/${rest}` : rest;
    return [`${rng.pick(["http", "HTTPS", "https"])}://${authority}${rest}`, uri, authority];
  }
  if (method === "CONNECT") {
    const t = `h${token(rng, 6).replace(/[^a-z0-9]/gi, "")}.example:443`;
    return [t, t, null];
  }
  let s = "/";
  const n = rng.below(30);
  for (let i = 0; i < n; i++) {
    // Visible ASCII but "#" (a fragment is never part of a request-target).
    const c = 0x21 + rng.below(93);
    s += String.fromCharCode(c >= 0x23 ? c + 1 : c);
  }
  return [s, s, null];
}

const NAMES = [
  "User-Agent",
  "Accept",
  "Cookie",
  "Authorization",
  "Content-Type",
  "X-Forwarded-For",
];

/**
 * A random valid request head (and sometimes body bytes after it) together with the method,
 * target and fields the parser must report for it.
 */
export function generateRequest(rng) {
  const method = rng.chance(0.7)
    ? rng.pick(["GET", "POST", "PUT", "HEAD", "DELETE", "OPTIONS", "CONNECT", "PATCH"])
    : token(rng);
  const [target, uri, authority] = targetText(rng, method);
  const http11 = rng.chance(0.8);
  const fields = [];
  if (http11 || rng.chance(0.5)) fields.push(["Host", `${token(rng, 10)}:${rng.below(65536)}`]);
  const n = rng.below(8);
  let framing = false;
  for (let i = 0; i < n; i++) {
    const r = rng.below(10);
    if (r === 0 && !framing) {
      framing = true;
      fields.push(["Content-Length", String(rng.below(100000))]);
    } else if (r === 1 && !framing && http11) {
      framing = true;
      fields.push(["Transfer-Encoding", rng.pick(["chunked", "Chunked"])]);
    } else if (r === 2) {
      fields.push([
        "Connection",
        rng.pick(["close", "keep-alive", "Upgrade", "keep-alive, Upgrade"]),
      ]);
    } else if (r === 3) {
      fields.push(["Expect", "100-continue"]);
    } else if (r === 4) {
      fields.push(["Content-Encoding", rng.pick(["gzip", "identity", "x-gzip"])]);
    } else {
      fields.push([rng.chance(0.5) ? rng.pick(NAMES) : token(rng), fieldText(rng)]);
    }
  }
  const ows = () => rng.pick(["", "", " ", "\t", "  "]);
  let text = rng.chance(0.1) ? "\r\n" : "";
  text += `${method} ${target} HTTP/1.${http11 ? rng.pick([1, 1, 9]) : 0}\r\n`;
  for (const [k, v] of fields) text += `${k}:${ows()}${v}${ows()}\r\n`;
  text += "\r\n";
  if (rng.chance(0.3)) text += "body bytes\r\n\r\n";
  if (authority !== null) {
    for (const f of fields) if (f[0] === "Host") f[1] = authority;
    if (!fields.some((f) => f[0] === "Host")) fields.push(["Host", authority]);
  }
  return {
    bytes: Buffer.from(text, "latin1"),
    method,
    uri,
    raw: fields.flat(),
  };
}

/** A generated valid request, fed in random pieces, comes back with its method, target and fields. */
function roundTrip(rng) {
  const req = generateRequest(rng);
  const out = frameHead(req.bytes, cutPoints(req.bytes.length, rng.next()));
  if (out.kind !== "head") {
    throw new FuzzFinding(
      `valid request rejected (${describe(out)}): ${JSON.stringify(req.bytes.toString("latin1"))}`,
      {
        cause: out.err,
      },
    );
  }
  checkEqual(out.head.method, req.method, "round-tripped method");
  checkEqual(out.head.uri, req.uri, "round-tripped request-target");
  checkEqual(out.head.raw, req.raw, "round-tripped header fields");
  check(TOKEN_RE.test(out.head.method), "method is a token");
}

/** @type {import("../target.mjs").Target} */
export default {
  name: "http-head",
  description: "request line and header fields, fed whole and in pieces, against a reference",
  coverage: ["/packages/httpserver/dist/"],
  maxLength: 4096,
  dictionary: [
    "\r\n",
    "\r\n\r\n",
    " HTTP/1.1\r\n",
    "HTTP/1.0",
    "Host: a\r\n",
    "Content-Length: ",
    "Transfer-Encoding: chunked\r\n",
    "Connection: ",
    "close",
    "keep-alive",
    "upgrade",
    "Expect: 100-continue\r\n",
    "Content-Encoding: gzip\r\n",
    ":",
    " ",
    "\t",
    "http://",
    "*",
    "GET ",
    "\r",
    "\n",
  ].map((s) => Buffer.from(s, "latin1")),
  generate: (rng) => generateRequest(rng).bytes,
  run,
  roundTrip,
};
