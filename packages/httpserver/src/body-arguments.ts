// Request arguments: query strings, urlencoded bodies and multipart/form-data (with files).

import { parse as parseQuerystring } from "node:querystring";
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
 * Parse `a=1&b=&a=2` into `{ a: ["1", "2"], b: [""] }`: `+` is a space, percent-escapes are
 * UTF-8, blank values are kept (Tornado's `parse_qs_bytes(keep_blank_values=True)`).
 */
export function parseQueryString(
  qs: string,
  into: HTTPArguments = emptyArguments(),
): HTTPArguments {
  if (typeof qs !== "string") throw new TypeError("parseQueryString expects a string");
  if (qs.length === 0) return into;
  const parsed = parseQuerystring(qs, "&", "=", { maxKeys: 0 });
  for (const key of Object.keys(parsed)) {
    const v = parsed[key];
    let list = into[key];
    if (list === undefined) {
      list = [];
      into[key] = list;
    }
    if (Array.isArray(v)) for (const item of v) list.push(item);
    else list.push(v as string);
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
 * `parse_multipart_form_data`). Throws HTTPInputError for a body that is not valid multipart.
 */
export function parseMultipartFormData(
  boundary: string,
  data: Buffer,
  args: HTTPArguments,
  files: HTTPFiles,
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
  while (pos < finalIdx) {
    let next = data.indexOf(delim, pos);
    if (next === -1 || next > finalIdx) next = finalIdx;
    const part = data.subarray(pos, next);
    pos = next === finalIdx ? finalIdx : next + delim.length;
    if (part.length === 0) continue;
    const eoh = part.indexOf("\r\n\r\n", 0, "latin1");
    if (eoh === -1) throw new HTTPInputError("multipart/form-data missing headers");
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
        body: Buffer.from(value),
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

/**
 * Parse a request body into `args` and `files` by its Content-Type (Tornado's
 * `parse_body_arguments`): `application/x-www-form-urlencoded` and `multipart/form-data`; other
 * types are left alone. A body with a Content-Encoding other than identity is not parsed.
 * Throws HTTPInputError when the body is malformed.
 */
export function parseBodyArguments(
  contentType: string,
  body: Buffer,
  args: HTTPArguments,
  files: HTTPFiles,
  headers?: HTTPHeaders,
): void {
  if (headers !== undefined) {
    const enc = headers.get("Content-Encoding");
    if (enc !== undefined && enc.toLowerCase() !== "identity") return;
  }
  const [type, params] = parseHeaderParams(contentType);
  if (type === "application/x-www-form-urlencoded") {
    parseQueryString(body.toString("utf8"), args);
  } else if (type === "multipart/form-data") {
    const boundary = params.boundary;
    if (boundary === undefined)
      throw new HTTPInputError("Invalid multipart/form-data: no boundary");
    parseMultipartFormData(boundary, body, args, files);
  }
}
