// Content types by file extension, and which types are worth gzipping.

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".htm": "text/html",
  ".css": "text/css",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".json": "application/json",
  ".map": "application/json",
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".csv": "text/csv",
  ".xml": "application/xml",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".avif": "image/avif",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".pdf": "application/pdf",
  ".zip": "application/zip",
  ".wasm": "application/wasm",
  ".mp3": "audio/mpeg",
  ".ogg": "audio/ogg",
  ".wav": "audio/wav",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".atom": "application/atom+xml",
  ".rss": "application/rss+xml",
  ".xhtml": "application/xhtml+xml",
};

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
  return [TYPES[base.slice(dot)] ?? null, encoding];
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
 * rules): any `text/*`, plus JavaScript, JSON, XML, Atom, XHTML and SVG.
 */
export function isCompressibleType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const semi = contentType.indexOf(";");
  const t = (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  return t.startsWith("text/") || COMPRESSIBLE.has(t);
}
