// ETags: computing one for a response body and matching it against If-None-Match.

import { createHash, hash } from "node:crypto";

const EMPTY_ETAG = `"${hash("sha1", "", "hex")}"`;

/**
 * The automatic ETag of a buffered body: `"<sha1 hex>"` (Tornado's `compute_etag`). A body in
 * one piece (the common case) is hashed by the one-shot `crypto.hash`, which creates no Hash
 * object — a third of the cost of `createHash` for small bodies, and the same digest.
 */
export function computeEtag(chunks: readonly Uint8Array[]): string {
  if (chunks.length === 0) return EMPTY_ETAG;
  if (chunks.length === 1) return `"${hash("sha1", chunks[0], "hex")}"`;
  const h = createHash("sha1");
  for (let i = 0; i < chunks.length; i++) h.update(chunks[i]);
  return `"${h.digest("hex")}"`;
}

/** Bodies written as one string up to this length are remembered with their ETag. */
const MEMO_TEXT_LIMIT = 16 * 1024;
let memoText: string | null = null;
let memoEtag = "";

/**
 * @internal The automatic ETag of a body written as the one string `text` (its UTF-8 bytes are
 * `chunks`): the same digest as `computeEtag(chunks)`, remembered for the last such body, so
 * that a handler answering the same text again (a constant page, a health check, the same JSON)
 * compares two strings instead of hashing.
 */
export function computeTextEtag(text: string, chunks: readonly Uint8Array[]): string {
  if (text === memoText) return memoEtag;
  const etag = computeEtag(chunks);
  if (text.length <= MEMO_TEXT_LIMIT) {
    memoText = text;
    memoEtag = etag;
  }
  return etag;
}

const ETAG_LIST_RE = /\*|(?:W\/)?"[^"]*"/g;

function weak(tag: string): string {
  return tag.startsWith("W/") ? tag.slice(2) : tag;
}

/**
 * True when `etag` matches an `If-None-Match` header value: `*`, or any listed tag by the weak
 * comparison of RFC 9110 §8.8.3.2 (Tornado's `check_etag_header`).
 */
export function etagMatches(ifNoneMatch: string | undefined, etag: string | undefined): boolean {
  if (!ifNoneMatch || !etag) return false;
  const tags = ifNoneMatch.match(ETAG_LIST_RE);
  if (tags === null) return false;
  if (tags[0] === "*") return true;
  const mine = weak(etag);
  for (const t of tags) if (weak(t) === mine) return true;
  return false;
}
