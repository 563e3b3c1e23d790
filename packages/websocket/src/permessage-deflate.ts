// permessage-deflate (RFC 7692): negotiation of its parameters and per-message (de)compression.

import * as zlib from "node:zlib";
import { CLOSE_INVALID_PAYLOAD, CLOSE_MESSAGE_TOO_BIG } from "./close-codes.js";
import { WebSocketHandshakeError, WebSocketProtocolError } from "./errors.js";
import { type ExtensionOffer, parseExtensions } from "./extension-header.js";

/** The extension's registered name. */
export const EXTENSION_NAME = "permessage-deflate";

/**
 * Compression settings (Tornado's `compression_options`, named after RFC 7692's parameters).
 * `server*` settings apply to what the server sends, `client*` to what the client sends.
 */
export interface CompressionOptions {
  /** zlib compression level 0–9. Default 6 (zlib's default). */
  level?: number;
  /** zlib memLevel 1–9. Default 8. */
  memLevel?: number;
  /** Messages shorter than this many bytes are sent uncompressed. Default 1024 bytes. */
  threshold?: number;
  /** The server resets its compressor after every message (`server_no_context_takeover`). Default false. */
  serverNoContextTakeover?: boolean;
  /** The client resets its compressor after every message (`client_no_context_takeover`). Default false. */
  clientNoContextTakeover?: boolean;
  /** LZ77 window (log2 bytes, 9–15) the server compresses with (`server_max_window_bits`). Default 15. */
  serverMaxWindowBits?: number;
  /** LZ77 window (log2 bytes, 9–15) asked of the client (`client_max_window_bits`). Default 15. */
  clientMaxWindowBits?: number;
}

/** Parameters agreed in the handshake. Window bits are 8–15. */
export interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

interface ResolvedOptions {
  level: number;
  memLevel: number;
  threshold: number;
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

/** Validate options (TypeError/RangeError on bad values) and fill in defaults. */
export function resolveCompressionOptions(options: CompressionOptions): ResolvedOptions {
  if (options === null || typeof options !== "object") {
    throw new TypeError("compression options must be an object");
  }
  const int = (name: keyof CompressionOptions, def: number, min: number, max: number) => {
    const v = options[name];
    if (v === undefined) return def;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(
        `compression option ${name} must be an integer ${min}..${max}, got ${v}`,
      );
    }
    return v;
  };
  const bool = (name: keyof CompressionOptions) => {
    const v = options[name];
    if (v !== undefined && typeof v !== "boolean") {
      throw new TypeError(`compression option ${name} must be a boolean, got ${typeof v}`);
    }
    return v === true;
  };
  return {
    level: int("level", 6, 0, 9),
    memLevel: int("memLevel", 8, 1, 9),
    threshold: int("threshold", 1024, 0, Number.MAX_SAFE_INTEGER),
    serverNoContextTakeover: bool("serverNoContextTakeover"),
    clientNoContextTakeover: bool("clientNoContextTakeover"),
    serverMaxWindowBits: int("serverMaxWindowBits", 15, 9, 15),
    clientMaxWindowBits: int("clientMaxWindowBits", 15, 9, 15),
  };
}

/** A window-bits parameter value: a decimal 8..15 without leading zeros, or null. */
function windowBits(value: string | true): number | null {
  if (value === true || !/^(8|9|1[0-5])$/.test(value)) return null;
  return Number(value);
}

/**
 * Server side: pick the first acceptable permessage-deflate offer in the client's
 * `Sec-WebSocket-Extensions` header. Returns the agreed parameters and the response header
 * value, or null to go on without compression (no offer, or none with valid parameters).
 */
export function negotiateServer(
  header: string | undefined,
  options: CompressionOptions,
): { params: DeflateParams; response: string } | null {
  if (header === undefined || header === "") return null;
  const opts = resolveCompressionOptions(options);
  const offers = parseExtensions(header);
  if (offers === null) return null;
  for (const offer of offers) {
    if (offer.name !== EXTENSION_NAME) continue;
    const agreed = acceptOffer(offer, opts);
    if (agreed !== null) return agreed;
  }
  return null;
}

function acceptOffer(
  offer: ExtensionOffer,
  opts: ResolvedOptions,
): { params: DeflateParams; response: string } | null {
  let serverNoContextTakeover = opts.serverNoContextTakeover;
  let clientNoContextTakeover = opts.clientNoContextTakeover;
  let offeredServerBits = 0;
  let offeredClientBits: number | true | 0 = 0;
  for (const [key, value] of offer.params) {
    if (key === "server_no_context_takeover") {
      if (value !== true) return null;
      serverNoContextTakeover = true;
    } else if (key === "client_no_context_takeover") {
      if (value !== true) return null;
      clientNoContextTakeover = true;
    } else if (key === "server_max_window_bits") {
      const bits = windowBits(value);
      if (bits === null) return null;
      offeredServerBits = bits;
    } else if (key === "client_max_window_bits") {
      if (value === true) offeredClientBits = true;
      else {
        const bits = windowBits(value);
        if (bits === null) return null;
        offeredClientBits = bits;
      }
    } else {
      return null;
    }
  }
  const parts = [EXTENSION_NAME];
  if (serverNoContextTakeover) parts.push("server_no_context_takeover");
  if (clientNoContextTakeover) parts.push("client_no_context_takeover");
  let serverBits = opts.serverMaxWindowBits;
  if (offeredServerBits !== 0) serverBits = Math.min(serverBits, offeredServerBits);
  if (serverBits < 15 || offeredServerBits !== 0)
    parts.push(`server_max_window_bits=${serverBits}`);
  let clientBits = 15;
  if (offeredClientBits !== 0) {
    clientBits = opts.clientMaxWindowBits;
    if (offeredClientBits !== true) clientBits = Math.min(clientBits, offeredClientBits);
    if (clientBits < 15) parts.push(`client_max_window_bits=${clientBits}`);
  }
  return {
    params: {
      serverNoContextTakeover,
      clientNoContextTakeover,
      serverMaxWindowBits: serverBits,
      clientMaxWindowBits: clientBits,
    },
    response: parts.join("; "),
  };
}

/** Client side: the offer to send in `Sec-WebSocket-Extensions`. */
export function clientOffer(options: CompressionOptions): string {
  const opts = resolveCompressionOptions(options);
  const parts = [EXTENSION_NAME];
  if (opts.serverNoContextTakeover) parts.push("server_no_context_takeover");
  if (opts.clientNoContextTakeover) parts.push("client_no_context_takeover");
  if (opts.serverMaxWindowBits < 15)
    parts.push(`server_max_window_bits=${opts.serverMaxWindowBits}`);
  parts.push(
    opts.clientMaxWindowBits < 15
      ? `client_max_window_bits=${opts.clientMaxWindowBits}`
      : "client_max_window_bits",
  );
  return parts.join("; ");
}

/**
 * Client side: check the server's `Sec-WebSocket-Extensions` answer against our offer. Returns
 * the agreed parameters, null when the server declined compression, and throws
 * WebSocketHandshakeError when the answer is invalid (unknown extension, bad parameters,
 * parameters outside what we offered).
 */
export function acceptServerResponse(
  header: string | undefined,
  options: CompressionOptions,
): DeflateParams | null {
  if (header === undefined || header === "") return null;
  const opts = resolveCompressionOptions(options);
  const fail = (why: string) =>
    new WebSocketHandshakeError(`invalid Sec-WebSocket-Extensions from server: ${why}`, 101);
  const exts = parseExtensions(header);
  if (exts === null) throw fail("syntax error");
  if (exts.length !== 1 || exts[0].name !== EXTENSION_NAME) {
    throw fail(`extension(s) not offered: ${header}`);
  }
  const params: DeflateParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: opts.clientNoContextTakeover,
    serverMaxWindowBits: 15,
    clientMaxWindowBits: opts.clientMaxWindowBits,
  };
  for (const [key, value] of exts[0].params) {
    if (key === "server_no_context_takeover") {
      if (value !== true) throw fail(key);
      params.serverNoContextTakeover = true;
    } else if (key === "client_no_context_takeover") {
      if (value !== true) throw fail(key);
      params.clientNoContextTakeover = true;
    } else if (key === "server_max_window_bits") {
      const bits = windowBits(value);
      if (bits === null || bits > opts.serverMaxWindowBits) throw fail(key);
      params.serverMaxWindowBits = bits;
    } else if (key === "client_max_window_bits") {
      const bits = windowBits(value);
      if (bits === null || bits > opts.clientMaxWindowBits) throw fail(key);
      params.clientMaxWindowBits = bits;
    } else {
      throw fail(`unknown parameter ${key}`);
    }
  }
  if (opts.serverNoContextTakeover && !params.serverNoContextTakeover) {
    throw fail("server_no_context_takeover was requested but not confirmed");
  }
  return params;
}

const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

interface ZlibOp {
  resolve: (data: Buffer) => void;
  reject: (err: Error) => void;
  chunks: Buffer[];
  bytes: number;
}

/**
 * One side's compressor and decompressor for a connection. Operations of each direction run
 * one at a time in call order; zlib streams are created on first use.
 */
export class PerMessageDeflate {
  /** Messages at least this long are compressed (0 when compression of sends is off). */
  readonly threshold: number;
  private readonly canCompress: boolean;
  private readonly deflateReset: boolean;
  private readonly deflateBits: number;
  private readonly inflateReset: boolean;
  private readonly inflateBits: number;
  private readonly level: number;
  private readonly memLevel: number;
  private readonly maxMessageSize: number;
  private deflater: zlib.DeflateRaw | null = null;
  private inflater: zlib.InflateRaw | null = null;
  private deflateOp: ZlibOp | null = null;
  private inflateOp: ZlibOp | null = null;
  private deflateTail: Promise<unknown> = Promise.resolve();
  private closed = false;

  /**
   * @param params what the handshake agreed
   * @param isServer which side we are
   * @param options local settings (level, memLevel, threshold)
   * @param maxMessageSize most bytes one decompressed message may have
   */
  constructor(
    params: DeflateParams,
    isServer: boolean,
    options: CompressionOptions,
    maxMessageSize: number,
  ) {
    const opts = resolveCompressionOptions(options);
    const ownBits = isServer ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    const peerBits = isServer ? params.clientMaxWindowBits : params.serverMaxWindowBits;
    // zlib cannot produce raw deflate with an 8-bit window (it silently uses 9), so when the
    // peer demands 8 we send every message uncompressed, which RFC 7692 always allows.
    this.canCompress = ownBits >= 9;
    this.deflateBits = ownBits;
    this.deflateReset = isServer ? params.serverNoContextTakeover : params.clientNoContextTakeover;
    this.inflateBits = Math.max(9, peerBits);
    this.inflateReset = isServer ? params.clientNoContextTakeover : params.serverNoContextTakeover;
    this.level = opts.level;
    this.memLevel = opts.memLevel;
    this.threshold = opts.threshold;
    this.maxMessageSize = maxMessageSize;
  }

  /** Whether an outgoing message of `length` bytes should be compressed. */
  shouldCompress(length: number): boolean {
    return this.canCompress && length >= this.threshold;
  }

  /** Compress one whole message; resolves with the payload of its RSV1 frame. */
  compress(data: Buffer): Promise<Buffer> {
    const run = () =>
      new Promise<Buffer>((resolve, reject) => {
        if (this.closed) {
          reject(new Error("permessage-deflate context is closed"));
          return;
        }
        const deflater = this.getDeflater();
        this.deflateOp = { resolve, reject, chunks: [], bytes: 0 };
        deflater.write(data);
        deflater.flush(zlib.constants.Z_SYNC_FLUSH, () => {
          const op = this.deflateOp;
          if (op === null) return;
          this.deflateOp = null;
          let out = op.chunks.length === 1 ? op.chunks[0] : Buffer.concat(op.chunks, op.bytes);
          // Strip the 00 00 ff ff of the sync flush (RFC 7692 §7.2.1).
          if (out.length >= 4 && out[out.length - 4] === 0 && out[out.length - 1] === 0xff) {
            out = out.subarray(0, out.length - 4);
          }
          if (this.deflateReset) deflater.reset();
          resolve(out);
        });
      });
    const p = this.deflateTail.then(run, run);
    this.deflateTail = p.catch(() => {});
    return p;
  }

  /**
   * Decompress one whole message from its frames' payloads. Rejects with a
   * WebSocketProtocolError: 1009 beyond `maxMessageSize`, 1007 for corrupt data.
   * The caller runs one decompression at a time.
   */
  decompress(fragments: Buffer[]): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      if (this.closed) {
        reject(new Error("permessage-deflate context is closed"));
        return;
      }
      const inflater = this.getInflater();
      this.inflateOp = { resolve, reject, chunks: [], bytes: 0 };
      for (const f of fragments) inflater.write(f);
      inflater.write(TRAILER);
      inflater.flush(() => {
        const op = this.inflateOp;
        if (op === null) return;
        this.inflateOp = null;
        if (this.inflateReset) inflater.reset();
        resolve(op.chunks.length === 1 ? op.chunks[0] : Buffer.concat(op.chunks, op.bytes));
      });
    });
  }

  /** Release the zlib streams; pending operations reject. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const err = new Error("permessage-deflate context is closed");
    this.deflateOp?.reject(err);
    this.inflateOp?.reject(err);
    this.deflateOp = this.inflateOp = null;
    this.deflater?.close();
    this.inflater?.close();
    this.deflater = this.inflater = null;
  }

  private getDeflater(): zlib.DeflateRaw {
    if (this.deflater !== null) return this.deflater;
    const d = zlib.createDeflateRaw({
      level: this.level,
      memLevel: this.memLevel,
      windowBits: this.deflateBits,
    });
    d.on("data", (chunk: Buffer) => {
      const op = this.deflateOp;
      if (op === null) return;
      op.chunks.push(chunk);
      op.bytes += chunk.length;
    });
    d.on("error", (err: Error) => {
      const op = this.deflateOp;
      this.deflateOp = null;
      this.deflater = null;
      op?.reject(err);
    });
    this.deflater = d;
    return d;
  }

  private getInflater(): zlib.InflateRaw {
    if (this.inflater !== null) return this.inflater;
    const inf = zlib.createInflateRaw({ windowBits: this.inflateBits });
    inf.on("data", (chunk: Buffer) => {
      const op = this.inflateOp;
      if (op === null) return;
      op.bytes += chunk.length;
      if (op.bytes > this.maxMessageSize) {
        // A decompression bomb: stop inflating at once instead of expanding it all.
        this.inflateOp = null;
        this.inflater = null;
        inf.destroy();
        op.reject(
          new WebSocketProtocolError(
            `decompressed message above maxMessageSize (${this.maxMessageSize} bytes)`,
            CLOSE_MESSAGE_TOO_BIG,
          ),
        );
        return;
      }
      op.chunks.push(chunk);
    });
    inf.on("error", (err: Error) => {
      const op = this.inflateOp;
      this.inflateOp = null;
      this.inflater = null;
      op?.reject(
        new WebSocketProtocolError(
          `invalid compressed data: ${err.message}`,
          CLOSE_INVALID_PAYLOAD,
        ),
      );
    });
    this.inflater = inf;
    return inf;
  }
}
