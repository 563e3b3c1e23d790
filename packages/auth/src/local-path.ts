// localPath: accept a `next` URL only when it stays on this site (no open redirect after login).

/**
 * `next` when it is a path on this site (`/`, `/me?tab=1`), else `fallback`. Refused: absolute
 * URLs, scheme-relative `//host`, `/\host` (browsers read a backslash as a slash), control
 * characters, and anything longer than 2048 characters.
 */
export function localPath(next: unknown, fallback: string): string {
  if (typeof next !== "string" || next.length === 0 || next.length > 2048) return fallback;
  if (next[0] !== "/" || next[1] === "/" || next[1] === "\\") return fallback;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\x00-\x1f\x7f\\]/.test(next)) return fallback;
  return next;
}
