// isPromiseLike: whether a hook returned something to wait for (a Promise or any thenable).

/** True when `v` is a thenable: hooks (`prepare`, verb methods, `writeError`) may be async. */
export function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return (
    v !== null &&
    (typeof v === "object" || typeof v === "function") &&
    typeof (v as { then?: unknown }).then === "function"
  );
}
