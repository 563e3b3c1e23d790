// Cookie header parsing the way browsers send it (Tornado's parse_cookie).

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

/** Undo cookie quoting: `"a\"b"` → `a"b`, `\012` → newline. Unquoted values come back as is. */
export function unquoteCookie(value: string): string {
  if (value.length < 2 || value[0] !== '"' || value[value.length - 1] !== '"') return value;
  const s = value.slice(1, -1);
  if (s.indexOf("\\") === -1) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c !== "\\" || i + 1 >= s.length) {
      out += c;
      continue;
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
  return out;
}
