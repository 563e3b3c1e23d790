// The async context of timeouts and callbacks, captured only while something could observe it.

import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";

/**
 * The symbol under which Node keeps an async resource's id, found on a probe resource (the own
 * symbol whose value is its `asyncId()`); `null` when this Node does not expose it that way.
 */
function findAsyncIdSymbol(): symbol | null {
  const probe = new AsyncResource("TIOLoopProbe");
  const id = probe.asyncId();
  for (const key of Object.getOwnPropertySymbols(probe)) {
    if ((probe as unknown as Record<symbol, unknown>)[key] === id) return key;
  }
  return null;
}

/**
 * Set when context can be told apart cheaply. On Node 20 and 22 an AsyncLocalStorage keeps its
 * stores on async resources (it has a `kResourceStore` symbol) and its first `run`/`enterWith`
 * enables an async_hooks init hook; while any init hook exists Node also tags every new promise
 * with its async id. A fresh promise without that tag therefore proves that no storage is
 * enabled, so there is no context to carry. Where storages work otherwise (Node 24's
 * AsyncContextFrame), this is `null` and every timeout captures its context as before.
 */
const ASYNC_ID_SYMBOL: symbol | null =
  typeof (new AsyncLocalStorage() as unknown as { kResourceStore?: unknown }).kResourceStore ===
  "symbol"
    ? findAsyncIdSymbol()
    : null;

/** Sticky: once a storage or an init hook was seen, every later timeout captures its context. */
let observable = ASYNC_ID_SYMBOL === null;

/**
 * A scope created while nothing was observable (so it carries no store), shared by the timeouts
 * that captured none. Used only while nothing is observable: a callback that enables a storage
 * in it (and could leave a store on it) makes everything observable for good.
 */
let bareScope: AsyncResource | null = null;
/** Created with `bareScope` and never running user code: the clean parent of later scopes. */
let pristineScope: AsyncResource | null = null;

/**
 * True when an AsyncLocalStorage store (or another init hook) could observe the current async
 * context. Costs a promise that the optimizer removes while no promise hook was ever installed.
 */
export function contextObservable(): boolean {
  if (observable) return true;
  const tagged = (Promise.resolve() as unknown as Record<symbol, unknown>)[
    ASYNC_ID_SYMBOL as symbol
  ];
  if (tagged !== undefined) observable = true;
  return observable;
}

/**
 * The async context a timeout or callback scheduled now must run in: an AsyncResource of type
 * `type` carrying the caller's stores, or `null` when no storage is enabled (then
 * {@link uncapturedScope} gives a clean one).
 */
export function captureScopeIfObservable(type = "TIOLoopTimeout"): AsyncResource | null {
  if (contextObservable()) return new AsyncResource(type);
  if (pristineScope === null) {
    // Nothing observable now, so neither resource can carry a store.
    pristineScope = new AsyncResource("TIOLoopTimeout");
    bareScope = new AsyncResource("TIOLoopTimeout");
  }
  return null;
}

function newTimeoutScope(): AsyncResource {
  return new AsyncResource("TIOLoopTimeout");
}

/**
 * The scope to run a timeout captured as `null` in: a context without stores, as a resource
 * created when it was scheduled would have been.
 */
export function uncapturedScope(): AsyncResource {
  if (!contextObservable()) return bareScope as AsyncResource;
  // A storage was enabled since: a resource created inside the pristine one copies its (empty)
  // stores, so the callback sees none, and an `enterWith` in it stays in it.
  return (pristineScope as AsyncResource).runInAsyncScope(newTimeoutScope);
}
