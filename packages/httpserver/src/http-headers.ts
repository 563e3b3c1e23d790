// HTTPHeaders: case-insensitive, ordered, multi-valued header fields stored as a flat array.

import { isSafeFieldValue, isToken } from "./char-classes.js";
import { HTTPInputError } from "./errors.js";

/** What `new HTTPHeaders(init)` accepts. */
export type HTTPHeadersInit =
  | HTTPHeaders
  | Record<string, string | number | readonly (string | number)[]>
  | Iterable<readonly [string, string | number]>;

/**
 * Header fields in arrival order, with case-insensitive names and repeated fields kept
 * (Tornado's `HTTPHeaders`). Fields live in one flat `[name, value, name, value, …]` array;
 * names are compared length first and then ignoring ASCII case, so a lookup allocates nothing
 * (no lower-cased copy of the key, no array of lower-cased names).
 *
 * ```ts
 * const h = new HTTPHeaders({ "Content-Type": "text/plain" });
 * h.add("Set-Cookie", "a=1");
 * h.add("set-cookie", "b=2");
 * h.get("SET-COOKIE"); // "a=1,b=2"
 * h.getList("set-cookie"); // ["a=1", "b=2"]
 * ```
 */
export class HTTPHeaders implements Iterable<[string, string]> {
  /** Flat `[name, value, …]` pairs, names as first given. Do not modify directly. */
  private readonly list: string[];

  /** Headers from an object (arrays add one field per element), pairs, or another HTTPHeaders. */
  constructor(init?: HTTPHeadersInit) {
    this.list = [];
    if (init === undefined || init === null) return;
    if (init instanceof HTTPHeaders) {
      const src = init.list;
      for (let i = 0; i < src.length; i++) this.list.push(src[i]);
      return;
    }
    if (typeof init !== "object") {
      throw new TypeError(
        "HTTPHeaders expects an object, an iterable of [name, value] or HTTPHeaders",
      );
    }
    if (Symbol.iterator in init) {
      for (const pair of init as Iterable<readonly [string, string | number]>) {
        if (!Array.isArray(pair) || pair.length !== 2) {
          throw new TypeError("HTTPHeaders expects [name, value] pairs");
        }
        this.add(pair[0], pair[1]);
      }
      return;
    }
    const rec = init as Record<string, string | number | readonly (string | number)[]>;
    const list = this.list;
    for (const name in rec) {
      if (!Object.hasOwn(rec, name)) continue;
      const v = rec[name];
      if (typeof v === "string") {
        list.push(checkName(name), checkValue(name, v));
      } else if (Array.isArray(v)) {
        for (const item of v) this.add(name, item);
      } else {
        this.add(name, v as string | number);
      }
    }
  }

  /**
   * Wrap a flat `[name, value, …]` array that the caller vouches for (already validated, e.g. by
   * the request parser). The array is adopted, not copied.
   */
  static fromRaw(raw: string[]): HTTPHeaders {
    const h = new HTTPHeaders();
    (h as unknown as { list: string[] }).list = raw;
    return h;
  }

  /**
   * Parse a header block (`Name: value` lines separated by CRLF, optionally ending with an empty
   * line) strictly: obs-fold, whitespace before the colon, bad names and control bytes throw
   * HTTPInputError.
   */
  static parse(text: string): HTTPHeaders {
    if (typeof text !== "string") throw new TypeError("HTTPHeaders.parse expects a string");
    const h = new HTTPHeaders();
    let pos = 0;
    const n = text.length;
    while (pos < n) {
      let eol = text.indexOf("\r\n", pos);
      if (eol === -1) eol = n;
      const line = text.slice(pos, eol);
      pos = eol + 2;
      if (line.length === 0) {
        if (pos < n) throw new HTTPInputError("header block continues after the empty line");
        break;
      }
      const first = line.charCodeAt(0);
      if (first === 0x20 || first === 0x09) {
        throw new HTTPInputError("obsolete line folding in header block");
      }
      const colon = line.indexOf(":");
      if (colon <= 0) throw new HTTPInputError(`malformed header line: ${JSON.stringify(line)}`);
      const name = line.slice(0, colon);
      if (!isToken(name)) throw new HTTPInputError(`invalid header name: ${JSON.stringify(name)}`);
      const value = trimOws(line.slice(colon + 1));
      for (let i = 0; i < value.length; i++) {
        const c = value.charCodeAt(i);
        if ((c < 0x20 && c !== 0x09) || c === 0x7f || c > 0xff) {
          throw new HTTPInputError(`invalid byte in value of header ${name}`);
        }
      }
      h.list.push(name, value);
    }
    return h;
  }

  /** Number of fields (a repeated name counts each time). */
  get count(): number {
    return this.list.length >> 1;
  }

  /** The flat `[name, value, …]` array (read-only view of the storage). */
  get raw(): readonly string[] {
    return this.list;
  }

  /** True when at least one field is named `name` (case-insensitive). */
  has(name: string): boolean {
    const list = this.list;
    for (let i = 0; i < list.length; i += 2) if (sameFieldName(list[i], name)) return true;
    return false;
  }

  /** The value of `name`, repeated fields joined with "," (Tornado), or `defaultValue`. */
  get(name: string): string | undefined;
  get(name: string, defaultValue: string): string;
  get(name: string, defaultValue?: string): string | undefined {
    const list = this.list;
    let found: string | undefined;
    for (let i = 0; i < list.length; i += 2) {
      if (sameFieldName(list[i], name)) {
        const v = list[i + 1];
        found = found === undefined ? v : `${found},${v}`;
      }
    }
    return found === undefined ? defaultValue : found;
  }

  /** Every value of `name` in order (empty when absent). */
  getList(name: string): string[] {
    const list = this.list;
    const out: string[] = [];
    for (let i = 0; i < list.length; i += 2) {
      if (sameFieldName(list[i], name)) out.push(list[i + 1]);
    }
    return out;
  }

  /** Append a field (keeping any existing fields of that name). */
  add(name: string, value: string | number): void {
    const v = checkField(name, value);
    this.list.push(name, v);
  }

  /** Replace every field named `name` with a single one (at the end). */
  set(name: string, value: string | number): void {
    this.replace(name, checkField(name, value));
  }

  /**
   * `set` for a name and value the caller vouches for, unchecked (as `fromRaw` adopts a list):
   * for fields a program builds from safe parts on a per-response path — a constant, a
   * Content-Length, a quoted hex digest. Anything that came from elsewhere goes through `set`.
   */
  setTrusted(name: string, value: string): void {
    this.replace(name, value);
  }

  private replace(name: string, v: string): void {
    const list = this.list;
    const n = list.length;
    // Common case: the only field of that name is the last one: replace it in place.
    if (n >= 2 && sameFieldName(list[n - 2], name)) {
      let other = false;
      for (let i = 0; i < n - 2; i += 2) {
        if (sameFieldName(list[i], name)) {
          other = true;
          break;
        }
      }
      if (!other) {
        list[n - 2] = name;
        list[n - 1] = v;
        return;
      }
    }
    this.delete(name);
    list.push(name, v);
  }

  /** Remove every field named `name` (the others keep their order); true when one was there. */
  delete(name: string): boolean {
    const list = this.list;
    const n = list.length;
    let w = 0;
    for (let r = 0; r < n; r += 2) {
      if (sameFieldName(list[r], name)) continue;
      if (w !== r) {
        list[w] = list[r];
        list[w + 1] = list[r + 1];
      }
      w += 2;
    }
    if (w === n) return false;
    list.length = w;
    return true;
  }

  /** Every `[name, value]` field in order (Tornado's `get_all`). */
  *[Symbol.iterator](): IterableIterator<[string, string]> {
    const list = this.list;
    for (let i = 0; i < list.length; i += 2) yield [list[i], list[i + 1]];
  }

  /** Same as iterating: every `[name, value]` field in order. */
  getAll(): IterableIterator<[string, string]> {
    return this[Symbol.iterator]();
  }

  /** The distinct names (as first given), in order of first appearance. */
  keys(): string[] {
    const list = this.list;
    const seen = new Set<string>();
    const out: string[] = [];
    for (let i = 0; i < list.length; i += 2) {
      const key = list[i].toLowerCase();
      if (!seen.has(key)) {
        seen.add(key);
        out.push(list[i]);
      }
    }
    return out;
  }

  /** A copy. */
  copy(): HTTPHeaders {
    return new HTTPHeaders(this);
  }

  /** `Name: value\r\n` per field (no final empty line). */
  serialize(): string {
    let s = "";
    const list = this.list;
    for (let i = 0; i < list.length; i += 2) s += `${list[i]}: ${list[i + 1]}\r\n`;
    return s;
  }

  /** A plain object of name → joined value (for logging and JSON). */
  toJSON(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const name of this.keys()) out[name] = this.get(name) as string;
    return out;
  }
}

/**
 * True when field names `a` and `b` are the same ignoring ASCII case: lengths first (most
 * fields differ there), then identity, then a case-folding compare; nothing is allocated.
 * Field names are tokens (ASCII), so ASCII folding is all the case-insensitivity they need.
 */
function sameFieldName(a: string, b: string): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  if (a === b) return true;
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0x41 && x <= 0x5a) x += 0x20;
    if (y >= 0x41 && y <= 0x5a) y += 0x20;
    if (x !== y) return false;
  }
  return true;
}

/** Field names already validated (bounded; most programs use a handful). */
const validNames = new Set<string>();

/** `name` if it is a valid field name (a token), else TypeError. */
function checkName(name: string): string {
  if (validNames.has(name)) return name;
  if (typeof name !== "string" || !isToken(name)) {
    throw new TypeError(`header name must be a non-empty token, got ${JSON.stringify(name)}`);
  }
  if (validNames.size >= 512) validNames.clear();
  validNames.add(name);
  return name;
}

/** `value` if it holds no CR, LF or NUL and nothing beyond U+00FF, else TypeError saying which. */
function checkValue(name: string, value: string): string {
  if (!isSafeFieldValue(value)) {
    throw new TypeError(
      /[\r\n\0]/.test(value)
        ? `value of header ${name} must not contain CR, LF or NUL`
        : `value of header ${name} must not contain characters beyond U+00FF (encode them, e.g. percent-encoding or RFC 8187)`,
    );
  }
  return value;
}

function checkField(name: string, value: string | number): string {
  checkName(name);
  // A number's decimal form (digits, ".", "-", "e", "Infinity", "NaN") is always safe.
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") {
    throw new TypeError(`value of header ${name} must be a string or number`);
  }
  return checkValue(name, value);
}

/** Strip leading and trailing spaces and tabs (RFC 9110 OWS). */
export function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === 0x20 || s.charCodeAt(a) === 0x09)) a++;
  while (b > a && (s.charCodeAt(b - 1) === 0x20 || s.charCodeAt(b - 1) === 0x09)) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}
