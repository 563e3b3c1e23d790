// statusError: the HTTPClientError a response with a status outside 200..299 raises.

import { HTTPClientError } from "./errors.js";
import type { HTTPResponse } from "./http-response.js";

/** @internal The HTTPClientError a non-2xx response raises. */
export function statusError(response: HTTPResponse): HTTPClientError {
  return new HTTPClientError(
    `HTTP ${response.code}: ${response.reason || "error"} (${response.effectiveUrl})`,
    response.code,
    response,
  );
}
