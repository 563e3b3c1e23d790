// Clipping of client-chosen text (request methods, URIs) before it goes into a log line.

/** Longest request method written to a log line, in characters (the longest registered one has 17). */
export const MAX_LOGGED_METHOD_CHARS = 32;
/** Longest request URI written to a log line, in characters. */
export const MAX_LOGGED_URI_CHARS = 512;

/**
 * `text` itself when it has at most `maxChars` characters, else its first `maxChars` followed
 * by `…[+N chars]` (N = how many were cut), so that one request cannot write a huge log line.
 * @param {string} text
 * @param {number} maxChars
 */
export function clipForLog(text, maxChars) {
  if (text.length <= maxChars) return text;
  return `${text.slice(0, maxChars)}…[+${text.length - maxChars} chars]`;
}
