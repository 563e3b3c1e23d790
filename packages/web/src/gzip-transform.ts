// Gzip of compressible responses (Tornado's GZipContentEncoding output transform).

import { constants, createGzip, type Gzip, gzipSync } from "node:zlib";
import type { HTTPHeaders, HTTPServerRequest } from "@t/httpserver";
import { isCompressibleType } from "./mime-types.js";

/** Bodies shorter than this (bytes) are not worth compressing when sent in one piece. */
export const GZIP_MIN_LENGTH = 1024;
/** zlib level used for responses. */
export const GZIP_LEVEL = 6;

/** True when an Accept-Encoding value allows gzip (a `gzip;q=0` refuses it). */
export function acceptsGzip(acceptEncoding: string | undefined): boolean {
  if (!acceptEncoding) return false;
  for (const part of acceptEncoding.split(",")) {
    const [coding, ...params] = part.split(";");
    const c = coding.trim().toLowerCase();
    if (c !== "gzip" && c !== "x-gzip" && c !== "*") continue;
    const q = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith("q="));
    if (q !== undefined && Number(q.slice(2)) === 0) continue;
    return true;
  }
  return false;
}

/**
 * Compresses one response. `forResponse` decides (and adds `Vary: Accept-Encoding` either way):
 * the client accepts gzip, the type is compressible, no Content-Encoding is set, and a body sent
 * in one piece is at least GZIP_MIN_LENGTH bytes. A response sent in several flushes is
 * compressed as one stream, flushed with Z_SYNC_FLUSH at every `flush()`.
 */
export class GzipTransform {
  private stream: Gzip | null = null;
  private out: Buffer[] = [];

  /** A transform for this response, or null when it should not be compressed. */
  static forResponse(
    request: HTTPServerRequest,
    statusCode: number,
    headers: HTTPHeaders,
    firstChunk: Buffer,
    finishing: boolean,
  ): GzipTransform | null {
    const vary = headers.get("Vary");
    headers.set("Vary", vary ? `${vary}, Accept-Encoding` : "Accept-Encoding");
    if (statusCode === 204 || statusCode === 304 || statusCode < 200) return null;
    if (!acceptsGzip(request.headers.get("Accept-Encoding"))) return null;
    if (!isCompressibleType(headers.get("Content-Type"))) return null;
    if (headers.has("Content-Encoding")) return null;
    if (finishing && firstChunk.length < GZIP_MIN_LENGTH) return null;
    headers.set("Content-Encoding", "gzip");
    return new GzipTransform();
  }

  /** Compress a whole body at once and fix Content-Length. */
  compressAll(chunk: Buffer, headers: HTTPHeaders): Buffer {
    const out = gzipSync(chunk, { level: GZIP_LEVEL });
    if (headers.has("Content-Length")) headers.set("Content-Length", out.length);
    return out;
  }

  /** Compress the next piece of a streamed body; with `final`, end the gzip stream. */
  compressChunk(chunk: Buffer, final: boolean): Promise<Buffer> {
    let gz = this.stream;
    if (gz === null) {
      gz = createGzip({ level: GZIP_LEVEL });
      gz.on("data", (d: Buffer) => this.out.push(d));
      this.stream = gz;
    }
    const stream = gz;
    return new Promise<Buffer>((resolve, reject) => {
      const take = () => {
        stream.off("error", reject);
        const parts = this.out;
        this.out = [];
        resolve(parts.length === 1 ? parts[0] : Buffer.concat(parts));
      };
      stream.once("error", reject);
      if (final) {
        stream.once("end", take);
        stream.end(chunk);
      } else {
        if (chunk.length > 0) stream.write(chunk);
        stream.flush(constants.Z_SYNC_FLUSH, () => setImmediate(take));
      }
    });
  }
}
