// Range requests: parsing a `Range: bytes=…` header and formatting Content-Range.

/**
 * A parsed single byte range, Python-slice style (Tornado's `_parse_request_range`):
 * `bytes=0-99` → `{ start: 0, end: 100 }`, `bytes=100-` → `{ start: 100, end: null }`,
 * `bytes=-50` (the last 50 bytes) → `{ start: -50, end: null }`, `bytes=-0` → `{ start: null, end: 0 }`.
 */
export interface ByteRange {
  readonly start: number | null;
  readonly end: number | null;
}

function intOrNull(s: string): number | null | undefined {
  const t = s.trim();
  if (t === "") return null;
  if (!/^[0-9]{1,15}$/.test(t)) return undefined;
  return Number(t);
}

/**
 * Parse a Range header. Returns null for anything but a single well-formed `bytes` range
 * (an invalid Range header is ignored, RFC 9110 §14.2); multiple ranges are not supported.
 */
export function parseRangeHeader(header: string | undefined): ByteRange | null {
  if (typeof header !== "string") return null;
  const eq = header.indexOf("=");
  if (eq === -1) return null;
  if (header.slice(0, eq).trim() !== "bytes") return null;
  const value = header.slice(eq + 1).trim();
  const dash = value.indexOf("-");
  if (dash === -1) return null;
  let start = intOrNull(value.slice(0, dash));
  let end = intOrNull(value.slice(dash + 1));
  if (start === undefined || end === undefined) return null;
  if (end !== null) {
    if (start === null) {
      if (end !== 0) {
        start = -end;
        end = null;
      }
    } else {
      end += 1;
    }
  } else if (start === null) {
    return null;
  }
  return { start, end };
}

/** `bytes <first>-<last>/<total>` for a slice-style range (Tornado's `_get_content_range`). */
export function formatContentRange(
  start: number | null,
  end: number | null,
  total: number,
): string {
  const s = start ?? 0;
  const e = (end ?? total) - 1;
  return `bytes ${s}-${e}/${total}`;
}
