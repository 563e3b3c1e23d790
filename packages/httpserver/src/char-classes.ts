// Byte classes of RFC 9110 (tchar, field-value bytes) for the parsers, and the one definition of
// a safe field name (isToken) and value (isSafeFieldValue) that every header writer uses.

/** 1 for the `tchar` bytes of RFC 9110 §5.6.2 (token characters), else 0. */
export const TCHAR: Uint8Array = new Uint8Array(256);
/** 1 for bytes allowed inside a field value (VCHAR, obs-text, SP, HTAB), else 0. */
export const FIELD_VALUE: Uint8Array = new Uint8Array(256);
/** 1 for bytes allowed in a request-target (visible ASCII), else 0. */
export const TARGET: Uint8Array = new Uint8Array(256);
/** Hex digit value + 1 (so that 0 means "not a hex digit"). */
export const HEX: Uint8Array = new Uint8Array(256);

for (let c = 0; c < 256; c++) {
  const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  TCHAR[c] = alnum || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)) ? 1 : 0;
  FIELD_VALUE[c] = (c >= 0x21 && c <= 0x7e) || c >= 0x80 || c === 0x20 || c === 0x09 ? 1 : 0;
  // Visible ASCII but "#": a fragment is never part of a request-target (RFC 9112 §3.2).
  TARGET[c] = c >= 0x21 && c <= 0x7e && c !== 0x23 ? 1 : 0;
  HEX[c] =
    c >= 0x30 && c <= 0x39
      ? c - 0x30 + 1
      : c >= 0x41 && c <= 0x46
        ? c - 0x41 + 11
        : c >= 0x61 && c <= 0x66
          ? c - 0x61 + 11
          : 0;
}

/**
 * True when `s` is a non-empty run of tchars: a valid field name or method. The one definition
 * of a safe field name: HTTPHeaders, @t/web and the clients check names with it.
 */
export function isToken(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TCHAR[c] === 0) return false;
  }
  return true;
}

/** A CR, LF or NUL, or a character beyond latin1 (whose low byte could be a CR or LF). */
const UNSAFE_VALUE_CHAR = /[\0\r\n\u0100-\uffff]/;

/**
 * True when `s` is safe in a header line: no CR, LF or NUL, and nothing beyond latin1 — heads
 * are written one byte per character, so U+010D U+010A would otherwise go out as CR LF. The one
 * definition of a safe field value (and reason phrase): HTTPHeaders, @t/web and the clients check
 * values with it. Other control bytes (HTAB, 0x01–0x1f, DEL) pass: they cannot end a line.
 */
export function isSafeFieldValue(s: string): boolean {
  const n = s.length;
  if (n > 64) return !UNSAFE_VALUE_CHAR.test(s);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || c === 0x0d || c === 0x0a || c === 0) return false;
  }
  return true;
}
