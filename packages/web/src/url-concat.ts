// urlConcat: add query arguments to a URL that may already have some (Tornado's httputil.url_concat).

import { urlEscape, urlUnescape } from "./escape.js";

/** Query arguments for {@link urlConcat}: an object (array values repeat the name) or name/value pairs. */
export type UrlConcatArgs =
  | Readonly<Record<string, string | number | boolean | readonly (string | number | boolean)[]>>
  | Iterable<readonly [string, string | number | boolean]>;

/**
 * `url` with `args` appended to its query string (Tornado's `url_concat`); the fragment stays
 * last. The existing query is kept in order (a bare `?x` becomes `x=`), and the whole query is
 * re-encoded as a form would be (`+` for spaces). `null`/`undefined` args return `url` as is.
 *
 * ```ts
 * urlConcat("/search?q=a", { page: 2 });             // "/search?q=a&page=2"
 * urlConcat("https://h/p#top", [["y", "1"], ["y", "2"]]); // "https://h/p?y=1&y=2#top"
 * ```
 */
export function urlConcat(url: string, args: UrlConcatArgs | null | undefined): string {
  if (typeof url !== "string") throw new TypeError("urlConcat expects a URL string");
  if (args === null || args === undefined) return url;
  const pairs: [string, string][] = [];
  if (isIterable(args)) {
    for (const pair of args) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new TypeError("urlConcat args must be an object or [name, value] pairs");
      }
      pairs.push([String(pair[0]), String(pair[1])]);
    }
  } else if (typeof args === "object") {
    for (const [name, value] of Object.entries(args)) {
      if (Array.isArray(value)) for (const v of value) pairs.push([name, String(v)]);
      else pairs.push([name, String(value)]);
    }
  } else {
    throw new TypeError(
      `urlConcat args must be an object or [name, value] pairs, got ${typeof args}`,
    );
  }
  const hash = url.indexOf("#");
  const fragment = hash === -1 ? "" : url.slice(hash);
  const beforeFragment = hash === -1 ? url : url.slice(0, hash);
  const q = beforeFragment.indexOf("?");
  const base = q === -1 ? beforeFragment : beforeFragment.slice(0, q);
  const query = q === -1 ? "" : beforeFragment.slice(q + 1);
  const parts: string[] = [];
  if (query !== "") {
    for (const piece of query.split("&")) {
      if (piece === "") continue;
      const eq = piece.indexOf("=");
      const name = eq === -1 ? piece : piece.slice(0, eq);
      const value = eq === -1 ? "" : piece.slice(eq + 1);
      parts.push(`${urlEscape(urlUnescape(name))}=${urlEscape(urlUnescape(value))}`);
    }
  }
  for (const [name, value] of pairs) parts.push(`${urlEscape(name)}=${urlEscape(value)}`);
  return parts.length === 0 ? base + fragment : `${base}?${parts.join("&")}${fragment}`;
}

function isIterable(v: unknown): v is Iterable<readonly [string, string | number | boolean]> {
  return (
    v !== null &&
    typeof v === "object" &&
    typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function"
  );
}
