// Formatting of Set-Cookie header values (Tornado's set_cookie through Python's SimpleCookie).

/** `;`, a control character, or a character beyond latin1 (its low byte could be CR/LF). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting these characters is the point
const UNSAFE_ATTRIBUTE = /[;\x00-\x1f\x7f\u0100-\uffff]/;

/** Options of `RequestHandler.setCookie`. */
export interface CookieOptions {
  /** Domain attribute. */
  domain?: string;
  /** Absolute expiry (Expires attribute). */
  expires?: Date | number;
  /** Expiry in days from now (sets Expires; ignored when `expires` is given). */
  expiresDays?: number;
  /** Max-Age in seconds. */
  maxAge?: number;
  /** Path attribute (default "/"). */
  path?: string;
  /** HttpOnly flag. */
  httpOnly?: boolean;
  /** Secure flag. */
  secure?: boolean;
  /** SameSite attribute. */
  sameSite?: "Strict" | "Lax" | "None";
  /** Partitioned flag (CHIPS). */
  partitioned?: boolean;
}

const LEGAL = /^[A-Za-z0-9!#$%&'*+\-.^_`|~:]*$/;

/**
 * Quote a cookie value the way Python's SimpleCookie (and so Tornado's `set_cookie`) does:
 * values of legal characters are sent as they are; others are double-quoted, with `"` and `\`
 * backslash-escaped and `,`, `;`, control characters and every other code point up to U+00FF
 * written as a `\ooo` octal escape of the code point (`é` → `\351`), which Tornado's and
 * Python's parsers, and ours, read back as that character.
 *
 * Beyond Tornado, which cannot send them (its headers are latin1): a character above U+00FF is
 * left unescaped like Python's `_quote` leaves it, and goes on the wire as its UTF-8 bytes. The
 * result is a header string in latin1 form, one character per byte (`☃` → `"\xe2\x98\x83"`),
 * so `"é☃"` is sent as the bytes of Python's `"\351☃"` encoded as UTF-8. Since every non-ASCII
 * code point up to U+00FF is escaped, raw bytes above 0x7f in a quoted value are always UTF-8.
 */
export function quoteCookieValue(value: string): string {
  if (LEGAL.test(value)) return value;
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c < 0x20 || (c >= 0x7f && c <= 0xff) || c === 0x2c || c === 0x3b) {
      out += `\\${c.toString(8).padStart(3, "0")}`;
    } else if (c <= 0xff) {
      out += value[i];
    } else {
      // A run of characters above U+00FF (surrogate pairs stay together) as UTF-8 bytes.
      let end = i + 1;
      while (end < value.length && value.charCodeAt(end) > 0xff) end++;
      out += Buffer.from(value.slice(i, end), "utf8").toString("latin1");
      i = end - 1;
    }
  }
  return `${out}"`;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Build one Set-Cookie value. Throws TypeError for a name that is not a token or a name/value
 * with control characters or spaces (Tornado rejects `[\x00-\x20]`).
 */
export function formatSetCookie(
  name: string,
  value: string,
  options: CookieOptions = {},
  now: number = Date.now(),
): string {
  if (typeof name !== "string" || !TOKEN.test(name)) {
    throw new TypeError(`invalid cookie name ${JSON.stringify(name)}: expected a token`);
  }
  if (typeof value !== "string") throw new TypeError(`cookie ${name}: value must be a string`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\x00-\x20]/.test(value)) {
    throw new TypeError(
      `invalid cookie ${name}: the value must not contain spaces or control characters`,
    );
  }
  let s = `${name}=${quoteCookieValue(value)}`;
  if (options.domain !== undefined) {
    if (UNSAFE_ATTRIBUTE.test(options.domain)) {
      throw new TypeError("cookie domain must be latin1 without ; or control characters");
    }
    s += `; Domain=${options.domain}`;
  }
  let expires: Date | undefined;
  if (options.expires !== undefined) {
    expires = options.expires instanceof Date ? options.expires : new Date(options.expires);
  } else if (options.expiresDays !== undefined) {
    expires = new Date(now + options.expiresDays * 86_400_000);
  }
  if (expires !== undefined) {
    if (Number.isNaN(expires.getTime()))
      throw new RangeError(`cookie ${name}: invalid expiry date`);
    s += `; expires=${expires.toUTCString()}`;
  }
  if (options.maxAge !== undefined) {
    if (!Number.isFinite(options.maxAge))
      throw new RangeError("cookie maxAge must be a finite number of seconds");
    s += `; Max-Age=${Math.trunc(options.maxAge)}`;
  }
  const path = options.path ?? "/";
  if (UNSAFE_ATTRIBUTE.test(path)) {
    throw new TypeError("cookie path must be latin1 without ; or control characters");
  }
  s += `; Path=${path}`;
  if (options.httpOnly) s += "; HttpOnly";
  if (options.secure) s += "; Secure";
  if (options.sameSite !== undefined) {
    if (!["Strict", "Lax", "None"].includes(options.sameSite)) {
      throw new TypeError('cookie sameSite must be "Strict", "Lax" or "None"');
    }
    s += `; SameSite=${options.sameSite}`;
  }
  if (options.partitioned) s += "; Partitioned";
  return s;
}
