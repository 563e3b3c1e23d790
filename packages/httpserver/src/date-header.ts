// The Date response header, formatted once per second and cached.

let cached: string | null = null;
let cachedLine: Buffer | null = null;
let timer: NodeJS.Timeout | null = null;

function clear(): void {
  cached = null;
  cachedLine = null;
  timer = null;
}

/** An IMF-fixdate (RFC 9110 §5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`. */
export function formatHttpDate(date: Date | number): string {
  const d = typeof date === "number" ? new Date(date) : date;
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
    throw new TypeError("formatHttpDate expects a valid Date or epoch milliseconds");
  }
  return d.toUTCString();
}

/**
 * The current time as an HTTP date, formatted at most once per second: the string is cached and
 * an unref'd timer drops it at the next second boundary (so an idle process formats nothing).
 */
export function currentHttpDate(): string {
  if (cached === null) {
    const now = Date.now();
    cached = new Date(now).toUTCString();
    timer = setTimeout(clear, 1000 - (now % 1000));
    timer.unref();
  }
  return cached;
}

/**
 * `Date: <current HTTP date>\r\n\r\n` as bytes (the last line of a response head and the empty
 * line after it), cached like `currentHttpDate`. Do not modify the returned buffer.
 */
export function currentDateLineEnd(): Buffer {
  let line = cachedLine;
  if (line === null || cached === null) {
    line = Buffer.from(`Date: ${currentHttpDate()}\r\n\r\n`, "latin1");
    cachedLine = line;
  }
  return line;
}
