// UploadStore: the uploads one demo process keeps on disk, at most N files and B bytes, oldest deleted first.

import { randomUUID } from "node:crypto";
import { mkdir, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";

/**
 * @typedef {object} UploadEntry what clients see of an upload (never where it is on disk)
 * @property {string} name    the cleaned file name
 * @property {number} size    bytes
 * @property {string} sha256  hex digest of the content
 * @property {number} time    epoch ms when it was stored
 */

/** @typedef {UploadEntry & { path: string }} StoredUpload */

/**
 * Keeps the newest `maxFiles` uploads and at most `maxTotalBytes` of them on disk. Uploads in
 * progress are bounded separately by the same byte count: an upload first
 * {@link UploadStore#reserve}s its room among the uploads in progress (refused when it does not
 * fit; nothing is deleted for a mere promise of bytes, so a client that declares large uploads
 * and sends nothing cannot wipe the kept files), then {@link UploadStore#add}s its finished
 * file (the oldest kept files go to make room) or {@link UploadStore#release}s the room. The
 * directory therefore holds at most twice `maxTotalBytes`. Dropping an entry always deletes its file. Files are
 * named `w<worker>-<ms>-<random>-<name>` (in progress: `.partial-w<worker>-<uuid>`), so that
 * {@link UploadStore#start} can delete what an earlier run of the same worker left behind,
 * and nothing else.
 */
export class UploadStore {
  /**
   * @param {{ dir: string, maxFiles: number, maxTotalBytes: number, worker?: number }} options
   *   limits already validated by `resolveLimits`
   */
  constructor(options) {
    if (typeof options?.dir !== "string" || options.dir === "") {
      throw new TypeError("UploadStore needs a directory (a non-empty string)");
    }
    /** @type {string} */
    this.dir = options.dir;
    /** @type {number} */
    this.maxFiles = options.maxFiles;
    /** @type {number} */
    this.maxTotalBytes = options.maxTotalBytes;
    /** @type {number} */
    this.worker = options.worker ?? 0;
    /** @type {StoredUpload[]} oldest first */
    this.entries = [];
    /** Bytes of the files in {@link UploadStore#entries}. */
    this.storedBytes = 0;
    /** Bytes promised to uploads in progress. */
    this.reservedBytes = 0;
    this.ownName = new RegExp(
      `^(?:w${this.worker}-\\d+-[0-9a-f]{8}-.+|\\.partial-w${this.worker}-[0-9a-f-]{36})$`,
    );
  }

  /** Create the directory and delete this worker's files from an earlier run (not listed, not counted). */
  async start() {
    await mkdir(this.dir, { recursive: true });
    const names = await readdir(this.dir);
    await Promise.all(
      names
        .filter((n) => this.ownName.test(n))
        .map((n) => unlink(join(this.dir, n)).catch(() => {})),
    );
  }

  /** Where an upload in progress is written. */
  tempPath() {
    return join(this.dir, `.partial-w${this.worker}-${randomUUID()}`);
  }

  /**
   * Reserve room for an upload of `bytes`: false, changing nothing, when they do not fit next to
   * the uploads in progress; else true. Kept files are not touched.
   * @param {number} bytes
   */
  async reserve(bytes) {
    if (this.reservedBytes + bytes > this.maxTotalBytes) return false;
    this.reservedBytes += bytes;
    return true;
  }

  /**
   * Give back room reserved by an upload that failed.
   * @param {number} bytes
   */
  release(bytes) {
    this.reservedBytes = Math.max(0, this.reservedBytes - bytes);
  }

  /**
   * Keep a finished upload whose file is already at `entry.path`, giving back the `reserved`
   * bytes of its reservation; the oldest entries beyond `maxFiles` or `maxTotalBytes` are
   * deleted (never the newest).
   * @param {StoredUpload} entry
   * @param {number} reserved
   */
  async add(entry, reserved) {
    this.release(reserved);
    this.entries.push(entry);
    this.storedBytes += entry.size;
    const dropped = [];
    while (
      this.entries.length > this.maxFiles ||
      (this.storedBytes > this.maxTotalBytes && this.entries.length > 1)
    ) {
      dropped.push(this.dropOldest());
    }
    await this.deleteFiles(dropped);
  }

  /** The final path for an upload named `name` (already cleaned). */
  finalPath(/** @type {string} */ name) {
    return join(this.dir, `w${this.worker}-${Date.now()}-${randomUUID().slice(0, 8)}-${name}`);
  }

  /**
   * What clients may see of the uploads, oldest first.
   * @returns {UploadEntry[]}
   */
  list() {
    return this.entries.map(publicEntry);
  }

  /** @returns {string} */
  dropOldest() {
    const entry = /** @type {StoredUpload} */ (this.entries.shift());
    this.storedBytes -= entry.size;
    return entry.path;
  }

  /** @param {string[]} paths */
  async deleteFiles(paths) {
    if (paths.length === 0) return;
    await Promise.all(paths.map((p) => unlink(p).catch(() => {})));
  }
}

/**
 * @param {StoredUpload} entry
 * @returns {UploadEntry}
 */
export function publicEntry(entry) {
  return { name: entry.name, size: entry.size, sha256: entry.sha256, time: entry.time };
}
