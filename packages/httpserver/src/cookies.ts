// Cookie header parsing the way browsers send it (Tornado's parse_cookie).

import { isUtf8 } from "node:buffer";

/**
 * Parse a `Cookie` header value into name → value (later duplicates win, like Tornado). Lenient
 * like browsers: a chunk without "=" is a value with an empty name; surrounding whitespace is
 * stripped; a double-quoted value is unquoted with Python's `\ooo` and `\c` escapes.
 */
export function parseCookie(header: string): Record<string, string> {
  if (typeof header !== "string") throw new TypeError("parseCookie expects a string");
  const out: Record<string, string> = Object.create(null);
  let pos = 0;
  const n = header.length;
  while (pos <= n) {
    let end = header.indexOf(";", pos);
    if (end === -1) end = n;
    const chunk = header.slice(pos, end);
    pos = end + 1;
    const eq = chunk.indexOf("=");
    const key = eq === -1 ? "" : chunk.slice(0, eq).trim();
    const val = (eq === -1 ? chunk : chunk.slice(eq + 1)).trim();
    if (key !== "" || val !== "") out[key] = unquoteCookie(val);
    if (end === n) break;
  }
  return out;
}

/**
 * Undo cookie quoting: `"a\"b"` → `a"b`, `\351` → `é` (a code point up to U+00FF, as Python
 * and Tornado write it). Header bytes arrive as latin1 characters; a run of raw bytes ≥ 0x80 that
 * is valid UTF-8 (how characters beyond U+00FF are sent, quoted or not) is decoded as UTF-8, any
 * other run is kept as latin1. Unquoted values are otherwise returned as they are.
 */
export function unquoteCookie(value: string): string {
  if (value.length < 2 || value[0] !== '"' || value[value.length - 1] !== '"') {
    return decodeRawBytes(value);
  }
  const s = value.slice(1, -1);
  if (s.indexOf("\\") === -1) return decodeRawBytes(s);
  let out = "";
  let raw = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c !== "\\" || i + 1 >= s.length) {
      if (c.charCodeAt(0) >= 0x80) raw += c;
      else {
        if (raw !== "") {
          out += decodeRawBytes(raw);
          raw = "";
        }
        out += c;
      }
      continue;
    }
    if (raw !== "") {
      out += decodeRawBytes(raw);
      raw = "";
    }
    const oct = s.slice(i + 1, i + 4);
    if (/^[0-3][0-7][0-7]$/.test(oct)) {
      out += String.fromCharCode(Number.parseInt(oct, 8));
      i += 3;
    } else {
      out += s[i + 1];
      i += 1;
    }
  }
  return raw === "" ? out : out + decodeRawBytes(raw);
}

/** Latin1 characters that are really bytes: decoded as UTF-8 where they are valid UTF-8. */
function decodeRawBytes(s: string): string {
  let high = false;
  for (let i = 0; i < s.length; i++) {
    const code = s.charCodeAt(i);
    if (code > 0xff) return s; // not header bytes: a JavaScript string already
    if (code >= 0x80) high = true;
  }
  if (!high) return s;
  const bytes = Buffer.from(s, "latin1");
  return isUtf8(bytes) ? bytes.toString("utf8") : s;
}
