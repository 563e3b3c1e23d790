// Request field values checked before they reach the wire, with messages that say what is wrong.

import { HTTPHeaders, type HTTPHeadersInit, isSafeFieldValue } from "@t/httpserver";

/**
 * Why `value` cannot be sent as a field value (the client writes heads as latin1), or null:
 * CR, LF and NUL would split or end the head; a character beyond U+00FF has no byte.
 */
export function fieldValueProblem(value: string): string | null {
  if (isSafeFieldValue(value)) return null;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff) {
      return `must not contain characters beyond U+00FF (latin1), got ${JSON.stringify(value[i])} at index ${i}: encode it first (e.g. percent-encoding, or RFC 8187 for parameters)`;
    }
  }
  return "must not contain CR, LF or NUL";
}

/** `value` if it can be sent as the value of the field `what`, else TypeError. */
export function checkFieldValue(what: string, value: string): string {
  const problem = fieldValueProblem(value);
  if (problem !== null) throw new TypeError(`${what} ${problem}`);
  return value;
}

/**
 * `new HTTPHeaders(init)`, except that a value with characters beyond U+00FF is refused with a
 * message that says so (HTTPHeaders reports every unsafe value as "CR, LF or NUL").
 */
export function headersFrom(init: HTTPHeadersInit): HTTPHeaders {
  try {
    return new HTTPHeaders(init);
  } catch (err) {
    if (!(err instanceof TypeError) || init instanceof HTTPHeaders) throw err;
    const pairs: Iterable<readonly [string, unknown]> =
      Symbol.iterator in Object(init)
        ? (init as Iterable<readonly [string, unknown]>)
        : Object.entries(init as object);
    for (const [name, value] of pairs) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (typeof v === "string") checkFieldValue(`value of header ${name}`, v);
      }
    }
    throw err;
  }
}
