// HandlerContext: the CallContext a context handler gets, with an AbortSignal created on first use.

import type { CallContext } from "./registry.js";

/**
 * The {@link CallContext} of one call. The AbortSignal is only allocated when a handler reads
 * `signal`; `abort` fires it (handler timeout, connection closed) or, before that, marks it so
 * that a later `signal` comes back already aborted.
 */
export class HandlerContext implements CallContext {
  private controller: AbortController | null = null;
  private reason: Error | null = null;

  constructor(
    readonly clientId: string,
    readonly method: string,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.reason !== null) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Abort the call's signal with `reason` (once). */
  abort(reason: Error): void {
    if (this.reason !== null) return;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
