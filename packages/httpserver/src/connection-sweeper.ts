// ConnectionSweeper: moved to @t/iostream, where every protocol's connections use it; re-exported here for compatibility.

import {
  ConnectionSweeper as IOStreamConnectionSweeper,
  type Sweepable as IOStreamSweepable,
  sweepIntervalFor as ioStreamSweepIntervalFor,
} from "@t/iostream";

/**
 * Something with deadlines, checked once per sweep.
 *
 * @deprecated Moved to `@t/iostream`: `import { type Sweepable } from "@t/iostream"`.
 */
export type Sweepable = IOStreamSweepable;

/**
 * One coarse periodic sweep that enforces the deadlines of many connections (no timer per
 * connection).
 *
 * @deprecated Moved to `@t/iostream`: `import { ConnectionSweeper } from "@t/iostream"`. The
 * same class: it now also stops by itself at the first sweep that finds nothing tracked.
 */
export const ConnectionSweeper = IOStreamConnectionSweeper;
/** @deprecated Moved to `@t/iostream`: `import { ConnectionSweeper } from "@t/iostream"`. */
export type ConnectionSweeper<T extends Sweepable = Sweepable> = IOStreamConnectionSweeper<T>;

/**
 * The sweep interval for a set of timeouts: a quarter of the smallest, within 10 ms … 1 s.
 *
 * @deprecated Moved to `@t/iostream`: `import { sweepIntervalFor } from "@t/iostream"`.
 */
export const sweepIntervalFor = ioStreamSweepIntervalFor;
