// BaseHandler and helpers shared by the demo's handlers: the instance header, the current user, the demo context.

import { ErrorHandler, RequestHandler, StaticFileHandler } from "@t/web";
import { WebSocketHandler } from "@t/websocket";
import { clipForLog, MAX_LOGGED_METHOD_CHARS, MAX_LOGGED_URI_CHARS } from "../log-text.mjs";

/** Name of the signed cookie that holds the logged-in user's name. */
export const USER_COOKIE = "user";

/**
 * @typedef {object} DemoContext what every handler reaches through `settings.custom.demo`
 * @property {string} instance      this process's name (X-Instance header, /healthz)
 * @property {number} worker        pre-fork task id, 0 with one process
 * @property {import("../chat/message-buffer.mjs").MessageBuffer} buffer
 * @property {import("../chat/memory-backend.mjs").MemoryChatBackend
 *   | import("../chat/redis-backend.mjs").RedisChatBackend} backend
 * @property {import("../metrics.mjs").DemoMetrics} metrics
 * @property {import("../limits.mjs").DemoLimits} limits  validated limits (sizes in bytes)
 * @property {number} maxUploadBytes  = limits.maxUploadBytes
 * @property {number} pollTimeoutMs
 * @property {import("../upload-store.mjs").UploadStore} uploads  the kept uploads and the disk quota
 * @property {Set<import("@t/websocket").WebSocketHandler>} sockets
 * @property {AbortController} shutdown  aborted when the server starts draining
 * @property {number} startedAt   epoch ms
 */

/**
 * Adds what every demo response carries (Tornado's `set_default_headers` + `get_current_user`)
 * to a handler class: `X-Instance`, the user from the signed cookie, and `this.demo`.
 * @template {new (...args: any[]) => RequestHandler} T
 * @param {T} Base
 */
function demoHandler(Base) {
  return class extends Base {
    /** Every response, error pages included, names the instance that answered. */
    setDefaultHeaders() {
      this.setHeader("X-Instance", this.demo.instance);
    }

    /** @returns {DemoContext} */
    get demo() {
      return /** @type {DemoContext} */ (this.settings.custom?.demo);
    }

    /** The name in the signed `user` cookie, or null. */
    getCurrentUser() {
      return this.getSignedCookie(USER_COOKIE);
    }

    /**
     * `METHOD URI (ip)` for log lines (the access log, error and warning lines), with the
     * client-chosen method and URI clipped to {@link MAX_LOGGED_METHOD_CHARS} and
     * {@link MAX_LOGGED_URI_CHARS} characters.
     */
    requestSummary() {
      const r = this.request;
      return `${clipForLog(r.method, MAX_LOGGED_METHOD_CHARS)} ${clipForLog(r.uri, MAX_LOGGED_URI_CHARS)} (${r.remoteIp})`;
    }

    /** Every template also sees the instance name. */
    getTemplateNamespace() {
      return { ...super.getTemplateNamespace(), instance: this.demo.instance };
    }
  };
}

/** Base class of the demo's page and API handlers. */
export class BaseHandler extends demoHandler(RequestHandler) {}

/** Base class of the demo's WebSocket handlers. */
export class BaseSocketHandler extends demoHandler(WebSocketHandler) {}

/** Static files (`staticUrl` versions, ETags, ranges) with the instance header. */
export class DemoStaticFileHandler extends demoHandler(StaticFileHandler) {
  static metricsRoute = "static";
}

/** Unmatched paths: 404 with the instance header. */
export class NotFoundHandler extends demoHandler(ErrorHandler) {
  static metricsRoute = "unmatched";
}
