// diagnostics_channel events of @t/httpserver: the moments Node's http server and undici publish,
// for tracing and APM tools (subscribe with `diagnostics_channel.subscribe(name, fn)`).

import { channel } from "node:diagnostics_channel";
import type { HTTP1Connection } from "./http1-connection.js";

/** What {@link requestStartChannel} publishes. */
export interface RequestStartMessage {
  /** The exchange that will carry the response. */
  readonly connection: HTTP1Connection;
  readonly method: string;
  /** The request-target as sent (origin-form, or the path and query of an absolute-form). */
  readonly uri: string;
  readonly version: string;
  /** Header fields as a flat `[name, value, …]` list, as received. */
  readonly rawHeaders: readonly string[];
  /** The client's address (after xheaders). */
  readonly remoteIp: string;
}

/** What {@link responseFinishChannel} publishes. */
export interface ResponseFinishMessage {
  readonly connection: HTTP1Connection;
  readonly method: string;
  readonly uri: string;
  /** The status code sent. */
  readonly statusCode: number;
  readonly remoteIp: string;
}

/** What {@link requestErrorChannel} publishes. */
export interface RequestErrorMessage {
  /** The HTTPInputError of a malformed request, or what the application threw. */
  readonly error: unknown;
  /** The status the server answers with (400/408/413/431/… or 500). */
  readonly statusCode: number;
  readonly remoteIp: string;
}

/**
 * `t.http.server.request.start`: a request's head was parsed, before the application sees it.
 * Published synchronously inside the request's own async context, so a subscriber can bind
 * context to the request (e.g. `AsyncLocalStorage.enterWith(span)`) for all of its work.
 */
export const requestStartChannel = channel("t.http.server.request.start");

/** `t.http.server.response.finish`: a response was finished (its last byte handed to the stream). */
export const responseFinishChannel = channel("t.http.server.response.finish");

/**
 * `t.http.server.request.error`: a request was refused as malformed (4xx, then the connection
 * closes) or the application threw (500).
 */
export const requestErrorChannel = channel("t.http.server.request.error");
