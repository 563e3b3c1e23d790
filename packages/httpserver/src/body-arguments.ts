// Request arguments: query strings, urlencoded bodies and multipart/form-data (with files).

import { HTTPInputError } from "./errors.js";
import { HTTPHeaders } from "./http-headers.js";

/** Argument name → every value in order (Tornado's `arguments` dict, decoded as UTF-8). */
export type HTTPArguments = Record<string, string[]>;

/** An uploaded file of a multipart/form-data body (Tornado's `HTTPFile`). */
export interface HTTPFile {
  readonly filename: string;
  readonly body: Buffer;
  readonly contentType: string;
}

/** Field name → every file uploaded under it. */
export type HTTPFiles = Record<string, HTTPFile[]>;

/** A fresh, prototype-less arguments object. */
export function emptyArguments(): HTTPArguments {
  return Object.create(null) as HTTPArguments;
}

/**
 * Limits on what parsing a form body may produce (Tornado 6.5's `ParseMultipartConfig`, Express's
 * `parameterLimit`). A body past a limit is answered with 413 (HTTPInputError).
 */
export interface FormLimits {
  /** Most name=value pairs of an urlencoded body, or fields + files of a multipart one. Default 1000. */
  readonly maxArguments: number;
  /** Most parts of a multipart/form-data body. Default 100 (Tornado 6.5). */
  readonly maxMultipartParts: number;
  /** Most bytes of one multipart part's header block. Default 10 KiB (Tornado 6.5). */
  readonly maxPartHeaderSize: number;
}

/** The default form limits. */
export const DEFAULT_FORM_LIMITS: FormLimits = Object.freeze({
  maxArguments: 1000,
  maxMultipartParts: 100,
  maxPartHeaderSize: 10 * 1024,
});

const PLUS = /\+/g;

/** The value of an ASCII hex digit, or -1. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * Decode one urlencoded component as the WHATWG urlencoded parser does: `+` is a space, `%XX`
 * is a byte of the UTF-8 text, a `%` without two hex digits stays as it is, and raw characters
 * are kept (invalid UTF-8 after decoding becomes U+FFFD). Linear in the component.
 */
function decodeComponent(s: string): string {
  if (s.length === 0) return s;
  const t = s.indexOf("+") === -1 ? s : s.replace(PLUS, " ");
  if (t.indexOf("%") === -1) return t;
  const bytes = Buffer.from(t, "utf8");
  const n = bytes.length;
  let w = 0;
  for (let r = 0; r < n; r++) {
    const c = bytes[r];
    if (c === 0x25 && r + 2 < n) {
      const hi = hexValue(bytes[r + 1]);
      const lo = hi === -1 ? -1 : hexValue(bytes[r + 2]);
      if (lo !== -1) {
        bytes[w++] = (hi << 4) | lo;
        r += 2;
        continue;
      }
    }
    bytes[w++] = c;
  }
  return bytes.toString("utf8", 0, w);
}

/**
 * Parse `a=1&b=&a=2` into `{ a: ["1", "2"], b: [""] }`: `+` is a space, percent-escapes are
 * UTF-8, blank values are kept (Tornado's `parse_qs_bytes(keep_blank_values=True)`). One pass,
 * linear in the input. With `maxPairs`, a string holding more pairs throws HTTPInputError (413)
 * as soon as the pair past the limit is reached.
 */
export function parseQueryString(
  qs: string,
  into: HTTPArguments = emptyArguments(),
  maxPairs = Number.POSITIVE_INFINITY,
): HTTPArguments {
  if (typeof qs !== "string") throw new TypeError("parseQueryString expects a string");
  const n = qs.length;
  let pairs = 0;
  let start = 0;
  // The next "=" at or after `start` (n: none). Searched again only once `start` passed it, so
  // every character is scanned a bounded number of times (`a&a&a…=` stays linear).
  let eq = -1;
  while (start <= n && n > 0) {
    let amp = qs.indexOf("&", start);
    if (amp === -1) amp = n;
    if (amp > start) {
      if (++pairs > maxPairs) {
        throw new HTTPInputError(`More than ${maxPairs} arguments in the form body`, 413);
      }
      if (eq < start) {
        eq = qs.indexOf("=", start);
        if (eq === -1) eq = n;
      }
      let key: string;
      let value: string;
      if (eq >= amp) {
        key = decodeComponent(qs.slice(start, amp));
        value = "";
      } else {
        key = decodeComponent(qs.slice(start, eq));
        value = decodeComponent(qs.slice(eq + 1, amp));
      }
      const list = into[key];
      if (list === undefined) into[key] = [value];
      else list.push(value);
    }
    start = amp + 1;
  }
  return into;
}

/**
 * Split a header value like `form-data; name="f"; filename="a.txt"` into its main value
 * (lower-cased) and parameters (names lower-cased; quotes and `\` escapes removed; RFC 2231
 * `name*=utf-8''…` decoded) — Tornado's `_parse_header`.
 */
export function parseHeaderParams(
  value: string,
  utf8Values = false,
): [string, Record<string, string>] {
  const params: Record<string, string> = Object.create(null);
  let i = value.indexOf(";");
  const main = (i === -1 ? value : value.slice(0, i)).trim().toLowerCase();
  const n = value.length;
  while (i !== -1 && i < n) {
    i++; // past ";"
    while (i < n && (value[i] === " " || value[i] === "\t")) i++;
    // One forward scan to the next "=" or ";" (two indexOf calls would rescan the rest of the
    // value for every ";" — quadratic on `;;;;…=`).
    let eq = i;
    while (eq < n) {
      const c = value.charCodeAt(eq);
      if (c === 0x3d || c === 0x3b) break;
      eq++;
    }
    if (eq === n) break;
    if (value.charCodeAt(eq) === 0x3b) {
      i = eq;
      continue;
    }
    const name = value.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (i < n && (value[i] === " " || value[i] === "\t")) i++;
    let val: string;
    if (value[i] === '"') {
      val = "";
      i++;
      while (i < n && value[i] !== '"') {
        if (value[i] === "\\" && i + 1 < n) i++;
        val += value[i];
        i++;
      }
      i = value.indexOf(";", i);
    } else {
      const end = value.indexOf(";", i);
      val = (end === -1 ? value.slice(i) : value.slice(i, end)).trim();
      i = end;
    }
    if (name.endsWith("*")) {
      const m = /^([^']*)'[^']*'(.*)$/.exec(val);
      if (m !== null) {
        const bytes = percentDecode(m[2]);
        params[name.slice(0, -1)] = bytes.toString(/^utf-?8$/i.test(m[1]) ? "utf8" : "latin1");
        continue;
      }
    }
    if (name.length > 0 && !(name in params)) {
      params[name] = utf8Values ? Buffer.from(val, "latin1").toString("utf8") : val;
    }
  }
  return [main, params];
}

/** Decode `%XX` escapes into bytes (other characters are taken as latin1). */
function percentDecode(s: string): Buffer {
  const out = Buffer.allocUnsafe(s.length);
  let w = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      out[w++] = Number.parseInt(s.slice(i + 1, i + 3), 16);
      i += 2;
    } else {
      out[w++] = c & 0xff;
    }
  }
  return out.subarray(0, w);
}

/**
 * Parse a multipart/form-data body into `args` and `files` (Tornado's
 * `parse_multipart_form_data`). Throws HTTPInputError for a body that is not valid multipart
 * (400) or that passes `limits` (413: more parts than `maxMultipartParts`, a part header block
 * over `maxPartHeaderSize`). File bodies are views into `data`, not copies.
 */
export function parseMultipartFormData(
  boundary: string,
  data: Buffer,
  args: HTTPArguments,
  files: HTTPFiles,
  limits: FormLimits = DEFAULT_FORM_LIMITS,
): void {
  let b = boundary;
  if (b.length >= 2 && b.startsWith('"') && b.endsWith('"')) b = b.slice(1, -1);
  if (b.length === 0) throw new HTTPInputError("Invalid multipart/form-data: empty boundary");
  const finalIdx = data.lastIndexOf(`--${b}--`, undefined, "latin1");
  if (finalIdx === -1) {
    throw new HTTPInputError("Invalid multipart/form-data: no final boundary found");
  }
  const delim = Buffer.from(`--${b}\r\n`, "latin1");
  let pos = 0;
  let parts = 0;
  while (pos < finalIdx) {
    let next = data.indexOf(delim, pos);
    if (next === -1 || next > finalIdx) next = finalIdx;
    const part = data.subarray(pos, next);
    pos = next === finalIdx ? finalIdx : next + delim.length;
    if (part.length === 0) continue;
    if (++parts > limits.maxMultipartParts) {
      throw new HTTPInputError(
        `More than ${limits.maxMultipartParts} parts in the multipart/form-data body`,
        413,
      );
    }
    // Each part is one field or one file: maxArguments bounds them as it bounds urlencoded pairs.
    if (parts > limits.maxArguments) {
      throw new HTTPInputError(`More than ${limits.maxArguments} arguments in the form body`, 413);
    }
    const eoh = part.indexOf("\r\n\r\n", 0, "latin1");
    if (eoh === -1) {
      if (part.length > limits.maxPartHeaderSize) throw partHeaderTooLarge(limits);
      throw new HTTPInputError("multipart/form-data missing headers");
    }
    if (eoh > limits.maxPartHeaderSize) throw partHeaderTooLarge(limits);
    // Browsers send non-ASCII names and filenames as raw UTF-8: parse the part's head as bytes
    // (latin1, which the strict header parser accepts) and decode the parameters as UTF-8.
    const headers = HTTPHeaders.parse(part.subarray(0, eoh).toString("latin1"));
    const [disposition, dispParams] = parseHeaderParams(
      headers.get("Content-Disposition", ""),
      true,
    );
    if (
      disposition !== "form-data" ||
      part.length < eoh + 6 ||
      part[part.length - 2] !== 0x0d ||
      part[part.length - 1] !== 0x0a
    ) {
      throw new HTTPInputError("Invalid multipart/form-data");
    }
    const value = part.subarray(eoh + 4, part.length - 2);
    const name = dispParams.name;
    if (name === undefined || name === "") {
      throw new HTTPInputError("multipart/form-data value missing name");
    }
    if (dispParams.filename !== undefined && dispParams.filename !== "") {
      let list = files[name];
      if (list === undefined) {
        list = [];
        files[name] = list;
      }
      list.push({
        filename: dispParams.filename,
        body: value,
        contentType: headers.get("Content-Type", "application/unknown"),
      });
    } else {
      let list = args[name];
      if (list === undefined) {
        list = [];
        args[name] = list;
      }
      list.push(value.toString("utf8"));
    }
  }
}

function partHeaderTooLarge(limits: FormLimits): HTTPInputError {
  return new HTTPInputError(
    `A multipart/form-data part header is larger than ${limits.maxPartHeaderSize} bytes`,
    413,
  );
}

/** The form kind of a Content-Type value: 1 urlencoded, 2 multipart/form-data, 0 anything else. */
export function formKind(contentType: string | undefined): number {
  if (contentType === undefined) return 0;
  const semi = contentType.indexOf(";");
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  if (type === "application/x-www-form-urlencoded") return 1;
  if (type === "multipart/form-data") return 2;
  return 0;
}

/**
 * Parse a request body into `args` and `files` by its Content-Type (Tornado's
 * `parse_body_arguments`): `application/x-www-form-urlencoded` and `multipart/form-data`; other
 * types are left alone. A body with a Content-Encoding other than identity is not parsed.
 * Throws HTTPInputError when the body is malformed (400) or passes `limits` (413).
 */
export function parseBodyArguments(
  contentType: string,
  body: Buffer,
  args: HTTPArguments,
  files: HTTPFiles,
  headers?: HTTPHeaders,
  limits: FormLimits = DEFAULT_FORM_LIMITS,
): void {
  if (headers !== undefined) {
    const enc = headers.get("Content-Encoding");
    if (enc !== undefined && enc.toLowerCase() !== "identity") return;
  }
  const [type, params] = parseHeaderParams(contentType);
  if (type === "application/x-www-form-urlencoded") {
    parseQueryString(body.toString("utf8"), args, limits.maxArguments);
  } else if (type === "multipart/form-data") {
    const boundary = params.boundary;
    if (boundary === undefined)
      throw new HTTPInputError("Invalid multipart/form-data: no boundary");
    parseMultipartFormData(boundary, body, args, files, limits);
  }
}
