// Redirect guard: refuses a same-site redirect target that a browser would read as another host.

/** ASCII tab, LF and CR: browsers drop them anywhere in a URL before parsing it. */
const URL_IGNORED = /[\t\n\r]/g;

/**
 * True when `location`, meant as a path on this site, would send a browser to another host:
 * `//evil.com`, `/\evil.com`, `///evil.com` (browsers treat `\` as `/` and drop tabs and line
 * breaks first). `removeslash`, `addslash` and `RedirectHandler` answer 404 instead of
 * redirecting there (review finding 8; StaticFileHandler has the same guard).
 */
export function leavesSite(location: string): boolean {
  const url = location.replace(URL_IGNORED, "");
  if (url.length < 2 || url.charCodeAt(0) !== 0x2f) return false;
  const c = url.charCodeAt(1);
  return c === 0x2f || c === 0x5c;
}
