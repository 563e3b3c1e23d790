// diagnostics_channel events of @t/rpc: a peer's call (or notification) starting and finishing
// on the side that handles it, for tracing and APM tools.

import { channel } from "node:diagnostics_channel";

/**
 * What the call channels publish: one object per call, the same one at start and at finish (so a
 * subscriber can keep its span on it); `error` is filled in before finish.
 */
export interface RpcCallMessage {
  /** The caller's client id from its hello ("" before or without one). */
  readonly clientId: string;
  readonly method: string;
  /** The call's request id; 0 for a notification (no reply). */
  readonly id: number;
  /** The arguments as decoded. */
  readonly args: readonly unknown[];
  /** At finish: null when the handler returned, else what it threw or rejected with (or the timeout). */
  error: unknown;
}

/**
 * `t.rpc.call.start`: a handler is about to run for a peer's call or notification. The handler
 * runs inside `runStores` of this channel, so a store bound with `channel.bindStore(als, …)` is
 * its context (and its awaits').
 */
export const rpcCallStartChannel = channel("t.rpc.call.start");

/** `t.rpc.call.finish`: the handler settled (or timed out) and any reply was queued. */
export const rpcCallFinishChannel = channel("t.rpc.call.finish");
