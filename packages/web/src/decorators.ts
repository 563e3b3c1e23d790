// Handler decorators: `authenticated`, `removeslash`, `addslash` and `streamRequestBody`.

import { urlEscape } from "./escape.js";
import { HTTPError } from "./http-error.js";
import { leavesSite } from "./redirect-guard.js";
import type { HandlerClass, RequestHandler } from "./request-handler.js";

type Method<This extends RequestHandler, A extends unknown[], R> = (this: This, ...args: A) => R;

/**
 * Require a logged-in user for a verb method (Tornado's `@authenticated`). When `currentUser`
 * is empty: GET/HEAD are redirected to `loginUrl?next=<this URL>`, other methods get 403.
 * Works as a TC39 method decorator (`@authenticated get() {}`) or as a plain wrapper
 * (`get = authenticated(function () { … })`).
 */
export function authenticated<This extends RequestHandler, A extends unknown[], R>(
  method: Method<This, A, R>,
  _context?: ClassMethodDecoratorContext<This, Method<This, A, R>>,
): Method<This, A, R | undefined> {
  if (typeof method !== "function") throw new TypeError("authenticated expects a method");
  return function (this: This, ...args: A): R | undefined {
    if (!this.currentUser) {
      const m = this.request.method;
      if (m === "GET" || m === "HEAD") {
        let url = this.getLoginUrl();
        if (!url.includes("?")) {
          const next = /^[a-z]+:\/\//i.test(url) ? this.request.fullUrl() : this.request.uri;
          url += `?next=${urlEscape(next)}`;
        }
        this.redirect(url);
        return undefined;
      }
      throw new HTTPError(403);
    }
    return method.apply(this, args);
  };
}

/**
 * Mark a handler class as streaming its request body (Tornado's `@stream_request_body`): the
 * body is not buffered; after `prepare()` each chunk goes to `dataReceived(chunk)`, and the
 * verb method runs once the body is complete. Same as `static streamRequestBody = true`.
 */
export function streamRequestBody<C extends HandlerClass>(
  cls: C,
  _context?: ClassDecoratorContext,
): C {
  if (typeof cls !== "function") throw new TypeError("streamRequestBody expects a handler class");
  cls.streamRequestBody = true;
  return cls;
}

/**
 * Redirect `/path/` to `/path` for GET and HEAD (Tornado's `@removeslash`, 301); other methods
 * with a trailing slash get 404. Route the pattern with an optional slash: `/foo/*`.
 */
export function removeslash<This extends RequestHandler, A extends unknown[], R>(
  method: Method<This, A, R>,
  _context?: ClassMethodDecoratorContext<This, Method<This, A, R>>,
): Method<This, A, R | undefined> {
  if (typeof method !== "function") throw new TypeError("removeslash expects a method");
  return function (this: This, ...args: A): R | undefined {
    const path = this.request.path;
    if (path.endsWith("/")) {
      const m = this.request.method;
      if (m === "GET" || m === "HEAD") {
        let url = path.replace(/\/+$/, "");
        if (url.length > 0) {
          if (leavesSite(url)) throw new HTTPError(404);
          if (this.request.query) url += `?${this.request.query}`;
          this.redirect(url, true);
          return undefined;
        }
      } else {
        throw new HTTPError(404);
      }
    }
    return method.apply(this, args);
  };
}

/**
 * Redirect `/path` to `/path/` for GET and HEAD (Tornado's `@addslash`, 301); other methods
 * without the slash get 404. Route the pattern with an optional slash: `/foo/?`.
 */
export function addslash<This extends RequestHandler, A extends unknown[], R>(
  method: Method<This, A, R>,
  _context?: ClassMethodDecoratorContext<This, Method<This, A, R>>,
): Method<This, A, R | undefined> {
  if (typeof method !== "function") throw new TypeError("addslash expects a method");
  return function (this: This, ...args: A): R | undefined {
    const path = this.request.path;
    if (!path.endsWith("/")) {
      const m = this.request.method;
      if (m === "GET" || m === "HEAD") {
        let url = `${path}/`;
        if (leavesSite(url)) throw new HTTPError(404);
        if (this.request.query) url += `?${this.request.query}`;
        this.redirect(url, true);
        return undefined;
      }
      throw new HTTPError(404);
    }
    return method.apply(this, args);
  };
}
