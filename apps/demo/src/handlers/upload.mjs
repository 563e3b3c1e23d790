// File upload: the page, a streamed PUT that writes the body to a temp file, and the list of uploads.

import { createHash, randomUUID } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { basename, join } from "node:path";
import { HTTPError } from "@t/web";
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
      title: "Upload",
      uploads: this.demo.uploads.slice().reverse(),
      xsrfToken: this.xsrfToken,
      maxUploadBytes: this.demo.maxUploadBytes,
    });
  }
}

/** GET /upload/list — the uploads as JSON. */
export class UploadListHandler extends BaseHandler {
  static metricsRoute = "upload_list";

  get() {
    this.setHeader("Cache-Control", "no-store");
    this.write({ uploads: this.demo.uploads });
  }

  computeEtag() {
    return null;
  }
}

/**
 * PUT /upload/<name> with the raw file as the body (X-XSRFToken header) — the body is never held
 * in memory: each chunk from the connection is written to a temp file (the connection waits for
 * each write: backpressure), hashed on the way, and the file is moved into the upload directory
 * when the body is complete. Answers 201 `{ name, size, sha256, path }`; 413 above the limit.
 */
export class UploadHandler extends BaseHandler {
  static streamRequestBody = true;
  static metricsRoute = "upload";

  async prepare() {
    const { demo } = this;
    this.request.connection?.setMaxBodySize(demo.maxUploadBytes);
    const declared = Number(this.request.headers.get("Content-Length") ?? "0");
    if (declared > demo.maxUploadBytes) {
      throw new HTTPError(413, `upload of ${declared} bytes above ${demo.maxUploadBytes}`);
    }
    this.tempPath = join(demo.uploadDir, `.partial-${randomUUID()}`);
    this.file = await open(this.tempPath, "wx", 0o600);
    this.hash = createHash("sha256");
    this.size = 0;
  }

  /** @param {Buffer} chunk */
  async dataReceived(chunk) {
    if (this.file === undefined) return;
    this.size += chunk.length;
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
    const finalPath = join(demo.uploadDir, `${Date.now()}-${randomUUID().slice(0, 8)}-${name}`);
    await rename(/** @type {string} */ (this.tempPath), finalPath);
    this.tempPath = undefined;
    const entry = {
      name,
      size: this.size ?? 0,
      sha256: this.hash?.digest("hex") ?? "",
      path: finalPath,
      time: Date.now(),
    };
    demo.uploads.push(entry);
    if (demo.uploads.length > 100) demo.uploads.shift();
    this.setStatus(201);
    this.write(entry);
  }

  /** The client went away (or the body was refused): drop the partial file. */
  onConnectionClose() {
    void this.discard();
  }

  onFinish() {
    void this.discard();
  }

  async discard() {
    const file = this.file;
    const path = this.tempPath;
    this.file = undefined;
    this.tempPath = undefined;
    await file?.close().catch(() => {});
    if (path !== undefined) await unlink(path).catch(() => {});
  }
}
