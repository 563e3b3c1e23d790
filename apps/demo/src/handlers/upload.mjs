// File upload: the page, a streamed PUT that writes the body to a temp file, and the list of uploads.

import { createHash } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { basename } from "node:path";
import { HTTPError } from "@t/web";
import { publicEntry } from "../upload-store.mjs";
import { BaseHandler } from "./base.mjs";

/**
 * A file name safe to keep on disk: the last path segment, without control characters or
 * separators, at most 100 characters; empty names become "upload".
 * @param {string} name
 */
export function safeFileName(name) {
  const printable = [...basename(name.replaceAll("\\", "/"))]
    .filter((ch) => {
      const code = ch.codePointAt(0) ?? 0;
      return code > 0x1f && code !== 0x7f;
    })
    .join("");
  const cleaned = printable.replace(/^\.+/, "").slice(0, 100);
  return cleaned.length > 0 ? cleaned : "upload";
}

/** GET /upload — the form (XHR upload with a progress bar) and the files received so far. */
export class UploadPageHandler extends BaseHandler {
  static metricsRoute = "upload_page";

  async get() {
    await this.render("upload.eta", {
      title: this.locale.translate("Upload"),
      uploads: this.demo.uploads.list().reverse(),
      xsrfToken: this.xsrfToken,
      maxUploadBytes: this.demo.limits.maxUploadBytes,
      maxUploadTotalBytes: this.demo.limits.maxUploadTotalBytes,
      maxUploadFiles: this.demo.limits.maxUploadFiles,
    });
  }
}

/** GET /upload/list — the uploads as JSON: `{ uploads: [{ name, size, sha256, time }] }`, oldest first. */
export class UploadListHandler extends BaseHandler {
  static metricsRoute = "upload_list";
  /** Errors answer as JSON `{ error: { status, reason } }` (a script reads them). */
  static errorFormat = "json";

  get() {
    this.setHeader("Cache-Control", "no-store");
    this.write({ uploads: this.demo.uploads.list() });
  }

  computeEtag() {
    return null;
  }
}

/**
 * PUT /upload/<name> with the raw file as the body (X-XSRFToken header) — the body is never held
 * in memory: each chunk from the connection is written to a temp file (the connection waits for
 * each write: backpressure), hashed on the way, and the file is moved into the upload directory
 * when the body is complete. Answers 201 `{ name, size, sha256, time }`; 413 above the size
 * limit; 507 when the upload does not fit in the disk quota next to the uploads in progress
 * (room is reserved up front for a Content-Length, chunk by chunk for a chunked body; once the
 * upload is complete, the oldest kept files are deleted to make room for it).
 */
export class UploadHandler extends BaseHandler {
  static streamRequestBody = true;
  static metricsRoute = "upload";
  /** Errors answer as JSON `{ error: { status, reason } }` (a script reads them). */
  static errorFormat = "json";

  async prepare() {
    const { demo } = this;
    const { maxUploadBytes } = demo.limits;
    this.request.connection?.setMaxBodySize(maxUploadBytes);
    const declared = Number(this.request.headers.get("Content-Length") ?? "0");
    if (declared > maxUploadBytes) {
      throw new HTTPError(413, `upload of ${declared} bytes above ${maxUploadBytes}`);
    }
    /** Bytes of the quota this upload holds. */
    this.reserved = 0;
    if (declared > 0) {
      if (!(await demo.uploads.reserve(declared))) throw this.quotaError(declared);
      this.reserved = declared;
    }
    this.tempPath = demo.uploads.tempPath();
    this.file = await open(this.tempPath, "wx", 0o600);
    this.hash = createHash("sha256");
    this.size = 0;
  }

  /** @param {Buffer} chunk */
  async dataReceived(chunk) {
    if (this.file === undefined) return;
    const size = this.size + chunk.length;
    if (size > this.reserved) {
      // A chunked body: take room as it grows.
      const more = size - this.reserved;
      if (!(await this.demo.uploads.reserve(more))) {
        await this.discard();
        this.sendError(507, { error: this.quotaError(size) });
        return;
      }
      this.reserved += more;
    }
    this.size = size;
    this.hash?.update(chunk);
    // Returning the write's Promise pauses reading from the socket until the disk has it.
    await this.file.write(chunk);
  }

  /** @param {string} rawName */
  async put(rawName) {
    const { demo } = this;
    const file = this.file;
    this.file = undefined;
    await file?.close();
    const name = safeFileName(rawName ?? "");
    const finalPath = demo.uploads.finalPath(name);
    await rename(/** @type {string} */ (this.tempPath), finalPath);
    this.tempPath = undefined;
    const entry = {
      name,
      size: this.size ?? 0,
      sha256: this.hash?.digest("hex") ?? "",
      time: Date.now(),
      path: finalPath,
    };
    const reserved = this.reserved ?? 0;
    this.reserved = 0;
    await demo.uploads.add(entry, reserved);
    this.setStatus(201);
    this.write(publicEntry(entry));
  }

  /** @param {number} bytes */
  quotaError(bytes) {
    const { uploads } = this.demo;
    return new HTTPError(
      507,
      `upload of ${bytes} bytes does not fit: ${uploads.reservedBytes} of ${uploads.maxTotalBytes} quota bytes are held by uploads in progress`,
    );
  }

  /** The client went away (or the body was refused): drop the partial file. */
  onConnectionClose() {
    void this.discard();
  }

  onFinish() {
    void this.discard();
  }

  /** Close and delete the partial file, give back the quota it held. */
  async discard() {
    const file = this.file;
    const path = this.tempPath;
    this.file = undefined;
    this.tempPath = undefined;
    if (this.reserved) this.demo.uploads.release(this.reserved);
    this.reserved = 0;
    await file?.close().catch(() => {});
    if (path !== undefined) await unlink(path).catch(() => {});
  }
}
