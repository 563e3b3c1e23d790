// StaticFileHandler: serves files from a directory with ETag, conditional requests, ranges and caching.

import { createHash } from "node:crypto";
import { createReadStream, readFileSync, type Stats, statSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import * as nodePath from "node:path";
import type { Application } from "./application.js";
import { etagMatches } from "./etag.js";
import { HTTPError } from "./http-error.js";
import { contentTypeForFile } from "./mime-types.js";
import { formatContentRange, parseRangeHeader } from "./range.js";
import { RequestHandler } from "./request-handler.js";

/** Bytes read and flushed per step when streaming a file. */
export const STATIC_CHUNK_SIZE = 64 * 1024;
/** Cache lifetime (seconds) of versioned URLs (`?v=`): ten years. */
export const STATIC_CACHE_MAX_AGE = 86400 * 365 * 10;

/** sha512 hex of a file's content, or null when it cannot be read. */
async function hashFile(absolutePath: string): Promise<string | null> {
  return await new Promise<string | null>((resolve) => {
    const h = createHash("sha512");
    const s = createReadStream(absolutePath);
    s.on("data", (d) => h.update(d));
    s.on("end", () => resolve(h.digest("hex")));
    s.on("error", () => resolve(null));
  });
}

/**
 * Serves files below `initArgs.path` (Tornado's `StaticFileHandler`); the route's first group is
 * the file's path. Paths that resolve outside the root get 403 (`..`, encoded `%2e%2e%2f`,
 * absolute paths); directories get 403 unless `initArgs.defaultFilename` is set (then a URL
 * without the trailing slash is redirected to it). Responses carry `Etag` (sha512 of the
 * content), `Last-Modified`, `Accept-Ranges`; If-None-Match / If-Modified-Since give 304; a
 * single `Range` gives 206 or 416; `?v=` URLs are cached for ten years; files larger than one
 * chunk are streamed with backpressure.
 */
export class StaticFileHandler extends RequestHandler {
  /** The root directory. */
  root = "";
  /** The file to serve for a directory URL, or null. */
  defaultFilename: string | null = null;
  /** The requested path (relative, OS separators). */
  path = "";
  /** The validated absolute path of the file being served. */
  absolutePath = "";
  private modifiedMs = 0;
  private size = 0;

  override initialize(initArgs: Record<string, unknown>): void {
    if (typeof initArgs.path !== "string")
      throw new TypeError("StaticFileHandler needs initArgs.path (a string)");
    if (initArgs.defaultFilename !== undefined && typeof initArgs.defaultFilename !== "string") {
      throw new TypeError("StaticFileHandler initArgs.defaultFilename must be a string");
    }
    this.root = initArgs.path;
    this.defaultFilename = (initArgs.defaultFilename as string | undefined) ?? null;
  }

  /** The stats validateAbsolutePath took, reused by get() so that a file is stat()ed once. */
  private validatedStat: { path: string; stats: Stats } | null = null;

  override head(path: string): Promise<void> {
    return this.get(path, false);
  }

  override async get(path: string, includeBody = true): Promise<void> {
    this.path = this.parseUrlPath(path ?? "");
    const absolute = StaticFileHandler.getAbsolutePath(this.root, this.path);
    const validated = await this.validateAbsolutePath(this.root, absolute);
    if (validated === null) return;
    this.absolutePath = validated;
    // validateAbsolutePath already stat()ed the file; stat again only if an override did not.
    const st =
      this.validatedStat?.path === validated ? this.validatedStat.stats : await stat(validated);
    this.validatedStat = null;
    this.modifiedMs = Math.floor(st.mtimeMs / 1000) * 1000;
    this.size = st.size;
    await this.setHeaders();
    if (this.shouldReturn304()) {
      this.setStatus(304);
      return;
    }
    const size = this.size;
    let start: number | null = null;
    let end: number | null = null;
    const range = parseRangeHeader(this.request.headers.get("Range"));
    if (range !== null) {
      start = range.start;
      end = range.end;
      if (start !== null && start < 0) {
        start += size;
        if (start < 0) start = 0;
      }
      if ((start !== null && (start >= size || (end !== null && start >= end))) || end === 0) {
        this.setStatus(416);
        this.setHeader("Content-Type", "text/plain");
        this.setHeader("Content-Range", `bytes */${size}`);
        return;
      }
      if (end !== null && end > size) end = size;
      if (size !== (end ?? size) - (start ?? 0)) {
        this.setStatus(206);
        this.setHeader("Content-Range", formatContentRange(start, end, size));
      }
    }
    const from = start ?? 0;
    const to = end ?? size;
    const length = to - from;
    this.setHeader("Content-Length", length);
    if (!includeBody) return;
    await this.sendContent(validated, from, to);
  }

  /** Write bytes [from, to) of the file: in one piece when small, else chunk by chunk with flushes. */
  private async sendContent(absolutePath: string, from: number, to: number): Promise<void> {
    const fh = await open(absolutePath, "r");
    try {
      let pos = from;
      const single = to - from <= STATIC_CHUNK_SIZE;
      while (pos < to) {
        const want = Math.min(STATIC_CHUNK_SIZE, to - pos);
        const buf = Buffer.allocUnsafe(want);
        const { bytesRead } = await fh.read(buf, 0, want, pos);
        if (bytesRead === 0) break;
        pos += bytesRead;
        if (this.connectionClosed) return;
        this.write(bytesRead === want ? buf : buf.subarray(0, bytesRead));
        if (!single) {
          try {
            await this.flush();
          } catch {
            return; // the client went away
          }
        }
      }
    } finally {
      await fh.close();
    }
  }

  /** Hook: turn the URL path into a relative file path (default: `/` → the OS separator). */
  parseUrlPath(urlPath: string): string {
    return nodePath.sep === "/" ? urlPath : urlPath.split("/").join(nodePath.sep);
  }

  /** Hook: the absolute path for `path` below `root` (an absolute `path` stays absolute, so it fails validation). */
  static getAbsolutePath(root: string, path: string): string {
    return nodePath.resolve(root, path);
  }

  /**
   * Hook: check that `absolutePath` is a file inside `root`; returns the path to serve, or null
   * when a redirect was sent. Throws HTTPError 403 / 404.
   */
  async validateAbsolutePath(root: string, absolutePath: string): Promise<string | null> {
    let rootAbs = nodePath.resolve(root);
    if (!rootAbs.endsWith(nodePath.sep)) rootAbs += nodePath.sep;
    if (!`${absolutePath}${nodePath.sep}`.startsWith(rootAbs) || absolutePath.includes("\0")) {
      throw new HTTPError(403, `${this.path} is not in root static directory`);
    }
    let target = absolutePath;
    let st = await stat(target).catch(() => null);
    if (st?.isDirectory() && this.defaultFilename !== null) {
      const reqPath = this.request.path;
      if (!reqPath.endsWith("/")) {
        if (reqPath.startsWith("//")) {
          throw new HTTPError(403, "cannot redirect path with two initial slashes");
        }
        this.redirect(`${reqPath}/`, true);
        return null;
      }
      target = nodePath.join(target, this.defaultFilename);
      st = await stat(target).catch(() => null);
    } else if (st?.isDirectory()) {
      throw new HTTPError(403, `${this.path} is not a file`);
    }
    if (st === null || st === undefined) throw new HTTPError(404);
    if (!st.isFile()) throw new HTTPError(403, `${this.path} is not a file`);
    this.validatedStat = { path: target, stats: st };
    return target;
  }

  /** Set Accept-Ranges, Etag, Last-Modified, Content-Type and the cache headers. */
  async setHeaders(): Promise<void> {
    this.setHeader("Accept-Ranges", "bytes");
    const version = await StaticFileHandler.getContentVersion(this.application, this.absolutePath);
    if (version !== null) this.setHeader("Etag", `"${version}"`);
    this.setHeader("Last-Modified", new Date(this.modifiedMs));
    this.setHeader("Content-Type", this.getContentType());
    const cacheTime = this.getCacheTime();
    if (cacheTime > 0) {
      this.setHeader("Expires", new Date(Date.now() + cacheTime * 1000));
      this.setHeader("Cache-Control", `max-age=${cacheTime}`);
    }
    this.setExtraHeaders(this.path);
  }

  /** Hook: the Content-Type of the file being served. */
  getContentType(): string {
    return contentTypeForFile(this.absolutePath);
  }

  /** Hook: seconds the client may cache the response (default: ten years for `?v=` URLs, else 0). */
  getCacheTime(): number {
    return "v" in this.request.queryArguments ? STATIC_CACHE_MAX_AGE : 0;
  }

  /** Hook: add headers of your own. */
  setExtraHeaders(_path: string): void {}

  /** True when the client's cached copy is current (If-None-Match first, else If-Modified-Since). */
  shouldReturn304(): boolean {
    const headers = this.request.headers;
    const inm = headers.get("If-None-Match");
    if (inm !== undefined) return etagMatches(inm, this.headers.get("Etag"));
    const ims = headers.get("If-Modified-Since");
    if (ims !== undefined) {
      const since = Date.parse(ims);
      if (!Number.isNaN(since) && since >= this.modifiedMs) return true;
    }
    return false;
  }

  /** The ETag was already set from the content hash; no SHA-1 of the body. */
  override computeEtag(): string | null {
    return null;
  }

  /**
   * The sha512 hex of a file (Tornado's `get_content_version`), cached per application unless
   * `staticHashCache` is false (default: `!debug`); null when the file cannot be read.
   */
  static async getContentVersion(app: Application, absolutePath: string): Promise<string | null> {
    const useCache = app.settings.staticHashCache ?? app.settings.debug !== true;
    if (useCache) {
      const cached = app.staticHashes.get(absolutePath);
      if (cached !== undefined) return cached;
    }
    const h = await hashFile(absolutePath);
    if (useCache && h !== null) app.staticHashes.set(absolutePath, h);
    return h;
  }

  /**
   * The URL for static file `path` (used by `Application.staticUrl`): `prefix + path`, plus
   * `?v=<sha512 hex>` when `includeVersion` and the file exists. Hashes are computed
   * synchronously the first time and cached like `getContentVersion`.
   */
  static makeStaticUrl(
    app: Application,
    root: string,
    prefix: string,
    path: string,
    includeVersion: boolean,
  ): string {
    const url = prefix + path;
    if (!includeVersion) return url;
    const abs = StaticFileHandler.getAbsolutePath(root, path);
    const useCache = app.settings.staticHashCache ?? app.settings.debug !== true;
    let h = useCache ? app.staticHashes.get(abs) : undefined;
    if (h === undefined) {
      try {
        if (!statSync(abs).isFile()) return url;
        const hash = createHash("sha512");
        hash.update(readFileSync(abs));
        h = hash.digest("hex");
      } catch {
        return url;
      }
      if (useCache) app.staticHashes.set(abs, h);
    }
    return `${url}?v=${h}`;
  }
}
