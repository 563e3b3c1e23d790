// StaticFileHandler: serves files from a directory with ETag, conditional requests, ranges and caching.

import { createHash } from "node:crypto";
import { readFileSync, type Stats, statSync } from "node:fs";
import { open, stat } from "node:fs/promises";
import * as nodePath from "node:path";
import { HTTPError } from "./errors.js";
import { etagMatches } from "./etag.js";
import type { HandlerHost } from "./handler-host.js";
import { contentTypeForFile } from "./mime-types.js";
import { formatContentRange, parseRangeHeader } from "./range.js";
import { RequestHandler } from "./request-handler.js";

/** Bytes read and flushed per step when streaming a file. */
export const STATIC_CHUNK_SIZE = 64 * 1024;
/** Cache lifetime (seconds) of versioned URLs (`?v=`): ten years. */
export const STATIC_CACHE_MAX_AGE = 86400 * 365 * 10;

/**
 * What `StaticFileHandler.getContent` returns: the bytes at once, or pieces (sync or async)
 * that are written and flushed one by one.
 */
export type StaticContent = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>;

/** Read bytes [start, end) of a file in STATIC_CHUNK_SIZE pieces. */
async function* readFileRange(
  absolutePath: string,
  start: number,
  end: number,
): AsyncGenerator<Uint8Array> {
  const fh = await open(absolutePath, "r");
  try {
    let pos = start;
    while (pos < end) {
      const want = Math.min(STATIC_CHUNK_SIZE, end - pos);
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(buf, 0, want, pos);
      if (bytesRead === 0) return;
      pos += bytesRead;
      yield bytesRead === want ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

/** Static files' version hashes by absolute path, per application (see `staticHashCache`). */
const versionCaches = new WeakMap<HandlerHost, Map<string, string>>();

/** The version-hash cache of `host`, or null when `staticHashCache` is off (default: `!debug`). */
function versionCache(host: HandlerHost): Map<string, string> | null {
  const settings = host.settings;
  if (!(settings.staticHashCache ?? settings.debug !== true)) return null;
  let cache = versionCaches.get(host);
  if (cache === undefined) {
    cache = new Map();
    versionCaches.set(host, cache);
  }
  return cache;
}

function isAsyncIterable(v: StaticContent): v is AsyncIterable<Uint8Array> {
  return typeof (v as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function";
}

/**
 * Serves files below `initArgs.path` (Tornado's `StaticFileHandler`); the route's first group is
 * the file's path. Paths that resolve outside the root get 403 (`..`, encoded `%2e%2e%2f`,
 * absolute paths); directories get 403 unless `initArgs.defaultFilename` is set (then a URL
 * without the trailing slash is redirected to it). Responses carry `Etag` (sha512 of the
 * content), `Last-Modified`, `Accept-Ranges`; If-None-Match / If-Modified-Since give 304; a
 * single `Range` gives 206 or 416; `?v=` URLs are cached for ten years; files larger than one
 * chunk are streamed with backpressure.
 *
 * Storage other than the disk: the bytes are read only through `getContent` (static),
 * `getContentSize`, `getModifiedTime` and `validateAbsolutePath` (Tornado's `get_content`,
 * `get_content_size`, `get_modified_time`, `validate_absolute_path`); override those four to
 * serve from memory, a database or an archive, with ETags, 304s and ranges unchanged.
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
  /** Last modification (epoch ms, whole seconds), or -1 when unknown (no Last-Modified). */
  private modifiedMs = -1;
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
    const modified = await this.getModifiedTime();
    this.modifiedMs = modified === null ? -1 : Math.floor(modified.getTime() / 1000) * 1000;
    this.size = await this.getContentSize();
    this.validatedStat = null;
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
    const cls = this.constructor as typeof StaticFileHandler;
    await this.sendContent(cls.getContent(validated, from, to), length);
  }

  /**
   * Write `content` (`length` bytes): in one piece when small, else piece by piece with a
   * flush after each (backpressure), stopping if the client goes away.
   */
  private async sendContent(content: StaticContent, length: number): Promise<void> {
    if (content instanceof Uint8Array) {
      this.write(content);
      return;
    }
    const single = length <= STATIC_CHUNK_SIZE;
    const it = isAsyncIterable(content)
      ? content[Symbol.asyncIterator]()
      : (content[Symbol.iterator]() as Iterator<Uint8Array> & { return?(): unknown });
    try {
      for (;;) {
        const step = await it.next();
        if (step.done === true) return;
        if (this.connectionClosed) return;
        this.write(step.value);
        if (!single) {
          try {
            await this.flush();
          } catch {
            return; // the client went away
          }
        }
      }
    } finally {
      await it.return?.();
    }
  }

  /**
   * Hook (static, Tornado's `get_content`): the bytes [start, end) of the file at
   * `absolutePath` (the whole file without bounds) — a Uint8Array, or pieces as an iterable or
   * async iterable. The default reads the disk in STATIC_CHUNK_SIZE pieces. Also hashed by the
   * default `getContentVersion`.
   */
  static getContent(absolutePath: string, start?: number, end?: number): StaticContent {
    return readFileRange(absolutePath, start ?? 0, end ?? Number.POSITIVE_INFINITY);
  }

  /** Hook (Tornado's `get_content_size`): the size in bytes of the file being served. */
  async getContentSize(): Promise<number> {
    return (await this.statAbsolutePath()).size;
  }

  /**
   * Hook (Tornado's `get_modified_time`): when the file being served last changed, or null
   * when unknown (then no Last-Modified is sent and If-Modified-Since is not honoured).
   */
  async getModifiedTime(): Promise<Date | null> {
    return (await this.statAbsolutePath()).mtime;
  }

  /** The stats of `absolutePath`: those validateAbsolutePath took, or a fresh stat(). */
  private async statAbsolutePath(): Promise<Stats> {
    const v = this.validatedStat;
    if (v !== null && v.path === this.absolutePath) return v.stats;
    const st = await stat(this.absolutePath);
    this.validatedStat = { path: this.absolutePath, stats: st };
    return st;
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
    const cls = this.constructor as typeof StaticFileHandler;
    const version = await cls.getContentVersion(this.application, this.absolutePath);
    if (version !== null) this.setHeader("Etag", `"${version}"`);
    if (this.modifiedMs >= 0) this.setHeader("Last-Modified", new Date(this.modifiedMs));
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
    if (ims !== undefined && this.modifiedMs >= 0) {
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
   * The sha512 hex of a file's `getContent` (Tornado's `get_content_version`), cached per
   * application unless `staticHashCache` is false (default: `!debug`); null when the file
   * cannot be read.
   */
  static async getContentVersion(app: HandlerHost, absolutePath: string): Promise<string | null> {
    const cache = versionCache(app);
    if (cache !== null) {
      const cached = cache.get(absolutePath);
      if (cached !== undefined) return cached;
    }
    let h: string | null;
    try {
      const hash = createHash("sha512");
      // `this`, not StaticFileHandler: a subclass's getContent is what gets hashed.
      // biome-ignore lint/complexity/noThisInStatic: dispatch to the subclass
      const content = this.getContent(absolutePath);
      if (content instanceof Uint8Array) hash.update(content);
      else if (isAsyncIterable(content)) for await (const piece of content) hash.update(piece);
      else for (const piece of content) hash.update(piece);
      h = hash.digest("hex");
    } catch {
      h = null;
    }
    if (cache !== null && h !== null) cache.set(absolutePath, h);
    return h;
  }

  /**
   * The URL for static file `path` (used by `Application.staticUrl`): `prefix + path`, plus
   * `?v=<sha512 hex>` when `includeVersion` and the file exists. Hashes are computed
   * synchronously the first time and cached like `getContentVersion`.
   */
  static makeStaticUrl(
    app: HandlerHost,
    root: string,
    prefix: string,
    path: string,
    includeVersion: boolean,
  ): string {
    const url = prefix + path;
    if (!includeVersion) return url;
    const abs = StaticFileHandler.getAbsolutePath(root, path);
    const cache = versionCache(app);
    let h = cache !== null ? cache.get(abs) : undefined;
    if (h === undefined) {
      try {
        if (!statSync(abs).isFile()) return url;
        const hash = createHash("sha512");
        hash.update(readFileSync(abs));
        h = hash.digest("hex");
      } catch {
        return url;
      }
      if (cache !== null) cache.set(abs, h);
    }
    return `${url}?v=${h}`;
  }
}
