// Flat `[name, value, …]` header lists: allocation-free lookups and edits for the per-request path.

/*
 * A handler keeps its response headers in one of these until someone asks for an HTTPHeaders
 * (the `headers` getter, gzip) or the head is written; the request's headers are read through
 * `HTTPHeaders.raw` with the same helpers. Names compare case-insensitively, like HTTPHeaders:
 * a name is lower-cased only when its length matches the key, so most fields cost one compare.
 * `lowerKey` arguments must already be lower case.
 */

/** 1 for the `tchar` bytes of RFC 9110 §5.6.2 (token characters), else 0. */
const TCHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const alnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
  TCHAR[c] = alnum || "!#$%&'*+-.^_`|~".includes(String.fromCharCode(c)) ? 1 : 0;
}

/** True when `s` is a non-empty RFC 9110 token (a valid field name). */
export function isHeaderName(s: string): boolean {
  const n = s.length;
  if (n === 0) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c > 0x7f || TCHAR[c] === 0) return false;
  }
  return true;
}

function nameIs(name: string, lowerKey: string): boolean {
  return name.length === lowerKey.length && (name === lowerKey || name.toLowerCase() === lowerKey);
}

/** True when a field named `lowerKey` is in `list`. */
export function headerListHas(list: readonly string[], lowerKey: string): boolean {
  for (let i = 0; i < list.length; i += 2) if (nameIs(list[i], lowerKey)) return true;
  return false;
}

/** The value of `lowerKey`, repeated fields joined with "," (as HTTPHeaders.get), or undefined. */
export function headerListGet(list: readonly string[], lowerKey: string): string | undefined {
  let found: string | undefined;
  for (let i = 0; i < list.length; i += 2) {
    if (nameIs(list[i], lowerKey)) {
      const v = list[i + 1];
      found = found === undefined ? v : `${found},${v}`;
    }
  }
  return found;
}

/** Remove every field named `lowerKey` (keeping the others in order); true when one was there. */
export function headerListDelete(list: string[], lowerKey: string): boolean {
  let w = 0;
  const n = list.length;
  for (let r = 0; r < n; r += 2) {
    if (nameIs(list[r], lowerKey)) continue;
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

/** Replace every field named `name` by one `name: value` at the end (as HTTPHeaders.set). */
export function headerListSet(list: string[], name: string, lowerKey: string, value: string): void {
  const n = list.length;
  // Common case: the only field of that name is the last one — replace it in place.
  if (n >= 2 && nameIs(list[n - 2], lowerKey)) {
    let other = false;
    for (let i = 0; i < n - 2; i += 2) {
      if (nameIs(list[i], lowerKey)) {
        other = true;
        break;
      }
    }
    if (!other) {
      list[n - 2] = name;
      list[n - 1] = value;
      return;
    }
  }
  headerListDelete(list, lowerKey);
  list.push(name, value);
}
