// Accept-Language parsing: language ranges ordered by q-value, with bounded work per header.

/** Characters of an Accept-Language header that are read; the rest is ignored. */
export const ACCEPT_LANGUAGE_MAX_LENGTH = 1024;
/** Comma-separated entries of an Accept-Language header that are read; the rest are ignored. */
export const ACCEPT_LANGUAGE_MAX_ENTRIES = 32;

/** Limits of {@link parseAcceptLanguage}. */
export interface AcceptLanguageOptions {
  /** Characters read from the header (default {@link ACCEPT_LANGUAGE_MAX_LENGTH}, 1..65536). */
  maxLength?: number;
  /** Entries read from the header (default {@link ACCEPT_LANGUAGE_MAX_ENTRIES}, 1..1000). */
  maxEntries?: number;
}

// RFC 4647 language-range: 1*8ALPHA *("-" 1*8alphanum); "_" tolerated as Tornado's codes use it.
const RANGE = /^[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*$/;
// RFC 9110 qvalue, leniently: any decimal number without sign or exponent; above 1 means 1.
const QVALUE = /^(?:[0-9]{1,5}(?:\.[0-9]{0,8})?|\.[0-9]{1,8})$/;

function checkLimit(name: string, value: number | undefined, dflt: number, max: number): number {
  if (value === undefined) return dflt;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(
      `parseAcceptLanguage: ${name} must be an integer in 1..${max}, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * The language ranges of an `Accept-Language` header, most preferred first — the list Tornado's
 * `RequestHandler.get_browser_locale` hands to `locale.get`:
 *
 * - each entry is `range[;q=value]`; without `q` the weight is 1;
 * - a `q` that is not a number (`q=abc`, `q=-1`, `q=1e3`) counts as 0, as in Tornado, and
 *   entries of weight 0 are left out; weights above 1 count as 1;
 * - entries of equal weight keep their order in the header (the sort is stable);
 * - `*` ("any other language") is left out: the caller's default covers it;
 * - anything that is not a language range (`en US`, `<script>`) is left out.
 *
 * Work is bounded: only the first `maxLength` characters are read (an entry cut by that limit
 * is dropped whole) and only the first `maxEntries` entries, so a hostile header costs no more
 * than a long honest one. Ranges are returned as written (`en-US`, not `en_US`).
 *
 * @param header - the header value; `undefined`, `null` or `""` give `[]`.
 */
export function parseAcceptLanguage(
  header: string | null | undefined,
  options?: AcceptLanguageOptions,
): string[] {
  const maxLength = checkLimit("maxLength", options?.maxLength, ACCEPT_LANGUAGE_MAX_LENGTH, 65536);
  const maxEntries = checkLimit(
    "maxEntries",
    options?.maxEntries,
    ACCEPT_LANGUAGE_MAX_ENTRIES,
    1000,
  );
  if (header === undefined || header === null || header === "") return [];
  if (typeof header !== "string") {
    throw new TypeError(`parseAcceptLanguage: expected a string header, got ${typeof header}`);
  }
  let text = header;
  if (text.length > maxLength) {
    // Keep whole entries only: "…, en-U" must not become a request for "en-U".
    const cut = text.lastIndexOf(",", maxLength);
    text = cut < 0 ? "" : text.slice(0, cut);
  }

  const ranges: string[] = [];
  const weights: number[] = [];
  let start = 0;
  for (let entries = 0; entries < maxEntries && start <= text.length; entries++) {
    let end = text.indexOf(",", start);
    if (end < 0) end = text.length;
    const entry = text.slice(start, end);
    start = end + 1;

    const semi = entry.indexOf(";");
    const range = (semi < 0 ? entry : entry.slice(0, semi)).trim();
    if (range === "*" || !RANGE.test(range)) continue;
    let weight = 1;
    if (semi >= 0) {
      // Only the first parameter is read, as Tornado reads it; RFC 9110 allows only q there.
      const param = entry
        .slice(semi + 1)
        .split(";", 1)[0]
        .trim();
      if (param.length >= 2 && (param[0] === "q" || param[0] === "Q") && param[1] === "=") {
        const value = param.slice(2).trim();
        weight = QVALUE.test(value) ? Math.min(Number(value), 1) : 0;
      }
    }
    if (weight > 0) {
      ranges.push(range);
      weights.push(weight);
    }
  }

  // A stable insertion sort: at most maxEntries items, already sorted in the common case.
  for (let i = 1; i < ranges.length; i++) {
    const r = ranges[i];
    const w = weights[i];
    let j = i - 1;
    while (j >= 0 && weights[j] < w) {
      ranges[j + 1] = ranges[j];
      weights[j + 1] = weights[j];
      j--;
    }
    ranges[j + 1] = r;
    weights[j + 1] = w;
  }
  return ranges;
}
