// ErrorHandler: answers every request with a fixed HTTP error (the default 404 handler).

import { HTTPError } from "./http-error.js";
import { RequestHandler } from "./request-handler.js";

/**
 * Answers every request with `initArgs.statusCode` (Tornado's `ErrorHandler`); the Application
 * uses it with 404 for unmatched paths. It skips the XSRF check, so a POST to a missing page
 * gets 404, not 403.
 */
export class ErrorHandler extends RequestHandler {
  private statusToSend = 404;

  override initialize(initArgs: Record<string, unknown>): void {
    const code = initArgs.statusCode;
    if (!Number.isInteger(code) || (code as number) < 400 || (code as number) > 599) {
      throw new RangeError(
        `ErrorHandler needs initArgs.statusCode in 400..599, got ${String(code)}`,
      );
    }
    this.statusToSend = code as number;
  }

  override prepare(): void {
    throw new HTTPError(this.statusToSend);
  }

  override checkXsrfCookie(): void {}
}
