// Content types by file extension (mrmime's database, from mime-db), and which types are worth gzipping.

import { mimes } from "mrmime";

/**
 * Where this project differs from mrmime's database: `.ico` is not in it (served as browsers
 * and the previous table did), and `.cjs` is JavaScript for a browser, not `application/node`.
 */
const OVERRIDES: Readonly<Record<string, string>> = {
  ico: "image/x-icon",
  cjs: "text/javascript",
};

/**
 * The type for a lower-case extension without its dot. Own keys only: mrmime's `lookup` reads a
 * plain object, so `a.constructor` would find `Object` there.
 */
function typeForExtension(ext: string): string | null {
  if (Object.hasOwn(OVERRIDES, ext)) return OVERRIDES[ext] as string;
  return Object.hasOwn(mimes, ext) ? (mimes[ext] as string) : null;
}

/** Encodings implied by a double extension such as `.tar.gz`. */
const ENCODINGS: Record<string, string> = {
  ".gz": "gzip",
  ".bz2": "bzip2",
  ".xz": "xz",
  ".br": "br",
};

/**
 * The MIME type and content encoding for a file name, like Python's `mimetypes.guess_type`:
 * `a.css` → `["text/css", null]`, `a.tar.gz` → `[null, "gzip"]`, `a.svgz` handled as svg+gzip.
 * Types come from mrmime (the IANA and browser types of mime-db), e.g. `.vtt` → `text/vtt`,
 * `.webmanifest` → `application/manifest+json`, `.m4a` → `audio/mp4`, `.yaml` → `text/yaml`.
 */
export function guessType(fileName: string): [type: string | null, encoding: string | null] {
  const lower = fileName.toLowerCase();
  let base = lower;
  let encoding: string | null = null;
  for (const ext of Object.keys(ENCODINGS)) {
    if (base.endsWith(ext)) {
      encoding = ENCODINGS[ext];
      base = base.slice(0, -ext.length);
      break;
    }
  }
  if (base.endsWith(".svgz")) return ["image/svg+xml", "gzip"];
  const dot = base.lastIndexOf(".");
  const slash = Math.max(base.lastIndexOf("/"), base.lastIndexOf("\\"));
  if (dot <= slash) return [null, encoding];
  return [typeForExtension(base.slice(dot + 1)), encoding];
}

/**
 * The Content-Type a static file is served with (Tornado's `StaticFileHandler.get_content_type`):
 * the guessed type (with `; charset=utf-8` for text), `application/gzip` etc. for compressed
 * files of unknown type, else `application/octet-stream`.
 */
export function contentTypeForFile(fileName: string): string {
  const [type, encoding] = guessType(fileName);
  if (encoding === "gzip") return "application/gzip";
  if (encoding !== null) return "application/octet-stream";
  if (type === null) return "application/octet-stream";
  return type.startsWith("text/") ? `${type}; charset=utf-8` : type;
}

const COMPRESSIBLE = new Set([
  "application/javascript",
  "application/x-javascript",
  "application/xml",
  "application/atom+xml",
  "application/json",
  "application/xhtml+xml",
  "image/svg+xml",
]);

/**
 * Whether a response of this Content-Type is worth gzipping (Tornado's `GZipContentEncoding`
 * rules): any `text/*`, plus JavaScript, JSON, XML, Atom, XHTML and SVG; beyond Tornado, any
 * structured `+json` or `+xml` type (`application/manifest+json`, `application/ld+json`,
 * `application/rss+xml`).
 */
export function isCompressibleType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const semi = contentType.indexOf(";");
  const t = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return t.startsWith("text/") || COMPRESSIBLE.has(t) || t.endsWith("+json") || t.endsWith("+xml");
}
