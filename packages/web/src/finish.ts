// Finish: thrown anywhere in a handler to end the request with what was written (Tornado's web.Finish).

/**
 * Throw `new Finish()` from a handler (its verb method, `prepare`, or anything they call) to
 * end the request at once: the response is finished with what was written so far — status,
 * headers and body — instead of becoming an error page (Tornado's `web.Finish`). `new
 * Finish(chunk)` writes `chunk` first, as `finish(chunk)` does. Nothing is logged; a handler
 * that already finished ignores it.
 *
 * ```ts
 * class Admin extends RequestHandler {
 *   override prepare() {
 *     if (!this.currentUser) {
 *       this.setStatus(401);
 *       this.setHeader("WWW-Authenticate", 'Basic realm="admin"');
 *       throw new Finish();
 *     }
 *   }
 * }
 * ```
 */
export class Finish extends Error {
  override readonly name = "Finish";
  /** Stable code of this control-flow signal. */
  readonly code = "T_ERR_FINISH";
  /** Written before finishing, when given. */
  readonly chunk: string | Uint8Array | Record<string, unknown> | undefined;

  constructor(chunk?: string | Uint8Array | Record<string, unknown>) {
    super("the handler finished the request early (Finish)");
    this.chunk = chunk;
  }
}
