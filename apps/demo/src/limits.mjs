// The demo's resource limits: defaults, units and validation (createDemo refuses bad values).

/** 1 MiB in bytes. */
const MIB = 1024 * 1024;

/** Largest single upload: 100 MiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 100 * MIB;
/** Most bytes all kept uploads (plus the ones in progress) may take on disk: 256 MiB. */
export const DEFAULT_MAX_UPLOAD_TOTAL_BYTES = 256 * MIB;
/** Most uploads kept on disk and in the list; older ones are deleted. */
export const DEFAULT_MAX_UPLOAD_FILES = 100;
/** A chat WebSocket with more than this many bytes waiting to be sent is closed: 1 MiB. */
export const DEFAULT_CHAT_MAX_BUFFERED_BYTES = MIB;
/** Most long polls waiting at once; one more is answered 503. */
export const DEFAULT_MAX_LONG_POLLS = 1000;
/**
 * Most bytes any one connection may have queued for the kernel (the stream's
 * `maxWriteBufferSize`): 16 MiB. A write beyond it is refused and the connection closed. It is
 * well above the largest response the demo writes in one piece (a chat page with 200 messages).
 */
export const DEFAULT_MAX_WRITE_BUFFER_BYTES = 16 * MIB;

/**
 * @typedef {object} DemoLimits validated limits, every size in bytes
 * @property {number} maxUploadBytes
 * @property {number} maxUploadTotalBytes
 * @property {number} maxUploadFiles
 * @property {number} chatMaxBufferedBytes
 * @property {number} maxLongPolls
 * @property {number} maxWriteBufferBytes
 */

/**
 * @param {string} name
 * @param {unknown} value
 * @param {number} fallback
 * @param {number} min
 * @param {string} unit
 */
function integer(name, value, fallback, min, unit) {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new TypeError(`${name} must be an integer number of ${unit}, got ${String(value)}`);
  }
  if (value < min) throw new RangeError(`${name} must be at least ${min} ${unit}, got ${value}`);
  return value;
}

/**
 * Fill in defaults and check every limit: TypeError for a non-integer, RangeError for one out
 * of range or for an upload limit above the total upload quota.
 * @param {{
 *   maxUploadBytes?: number,
 *   maxUploadTotalBytes?: number,
 *   maxUploadFiles?: number,
 *   chatMaxBufferedBytes?: number,
 *   maxLongPolls?: number,
 *   maxWriteBufferBytes?: number,
 * }} options
 * @returns {DemoLimits}
 */
export function resolveLimits(options) {
  const limits = {
    maxUploadBytes: integer(
      "maxUploadBytes",
      options.maxUploadBytes,
      DEFAULT_MAX_UPLOAD_BYTES,
      1,
      "bytes",
    ),
    maxUploadTotalBytes: integer(
      "maxUploadTotalBytes",
      options.maxUploadTotalBytes,
      DEFAULT_MAX_UPLOAD_TOTAL_BYTES,
      1,
      "bytes",
    ),
    maxUploadFiles: integer(
      "maxUploadFiles",
      options.maxUploadFiles,
      DEFAULT_MAX_UPLOAD_FILES,
      1,
      "files",
    ),
    chatMaxBufferedBytes: integer(
      "chatMaxBufferedBytes",
      options.chatMaxBufferedBytes,
      DEFAULT_CHAT_MAX_BUFFERED_BYTES,
      1,
      "bytes",
    ),
    maxLongPolls: integer(
      "maxLongPolls",
      options.maxLongPolls,
      DEFAULT_MAX_LONG_POLLS,
      1,
      "requests",
    ),
    maxWriteBufferBytes: integer(
      "maxWriteBufferBytes",
      options.maxWriteBufferBytes,
      DEFAULT_MAX_WRITE_BUFFER_BYTES,
      1,
      "bytes",
    ),
  };
  if (limits.maxUploadBytes > limits.maxUploadTotalBytes) {
    throw new RangeError(
      `maxUploadBytes (${limits.maxUploadBytes} bytes) must not exceed maxUploadTotalBytes (${limits.maxUploadTotalBytes} bytes)`,
    );
  }
  return limits;
}
