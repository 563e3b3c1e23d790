// Request ids (opt-in, the `requestId` setting): accept a trusted incoming X-Request-Id or make
// one, send it back, put it in the access log and in an AsyncLocalStorage for the request.

import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

/** The `requestId` setting of an Application, when given as an object. */
export interface RequestIdOptions {
  /** The header read (when trusted) and sent back. Default `"X-Request-Id"`. */
  header?: string;
  /**
   * Take the client's id when it is a plausible one (1–128 characters of `A–Z a–z 0–9 . _ : -`,
   * else a new one is made). Only for a server behind a proxy that sets or checks it: a client
   * can send anything. Default false.
   */
  trustIncoming?: boolean;
  /** Makes a new id. Default `crypto.randomUUID`. */
  generate?: () => string;
}

/** The resolved `requestId` setting. */
export interface RequestIdConfig {
  readonly header: string;
  readonly trustIncoming: boolean;
  readonly generate: () => string;
}

const TOKEN = /^[A-Za-z0-9._:-]{1,128}$/;
const FIELD_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The request id of the request whose code is running (its async context), or undefined outside
 * a request or when the `requestId` setting is off.
 */
export const requestIdStorage = new AsyncLocalStorage<string>();

/** The id of the request being served in this async context (see {@link requestIdStorage}). */
export function currentRequestId(): string | undefined {
  return requestIdStorage.getStore();
}

/** Validate the `requestId` setting: false/undefined → null, true → defaults, or options. */
export function resolveRequestIdConfig(setting: unknown): RequestIdConfig | null {
  if (setting === undefined || setting === false) return null;
  if (setting === true)
    return { header: "X-Request-Id", trustIncoming: false, generate: randomUUID };
  if (setting === null || typeof setting !== "object") {
    throw new TypeError(
      `requestId must be a boolean or { header?, trustIncoming?, generate? }, got ${String(setting)}`,
    );
  }
  const o = setting as RequestIdOptions;
  const header = o.header ?? "X-Request-Id";
  if (typeof header !== "string" || !FIELD_NAME.test(header)) {
    throw new TypeError(`requestId.header must be a header field name, got ${String(header)}`);
  }
  if (o.trustIncoming !== undefined && typeof o.trustIncoming !== "boolean") {
    throw new TypeError("requestId.trustIncoming must be a boolean");
  }
  if (o.generate !== undefined && typeof o.generate !== "function") {
    throw new TypeError("requestId.generate must be a function returning a string");
  }
  return { header, trustIncoming: o.trustIncoming === true, generate: o.generate ?? randomUUID };
}

/** The id of a request: the trusted incoming one when acceptable, else a new one. */
export function assignRequestId(config: RequestIdConfig, incoming: string | undefined): string {
  if (config.trustIncoming && incoming !== undefined && TOKEN.test(incoming)) return incoming;
  const id = config.generate();
  if (typeof id !== "string" || !TOKEN.test(id)) {
    throw new TypeError(
      `requestId.generate must return 1-128 characters of A-Z a-z 0-9 . _ : -, got ${JSON.stringify(id)}`,
    );
  }
  return id;
}
