// MethodRegistry: the named handlers one side of a connection serves, registered singly or per module.

import { EventEmitter } from "node:events";
import { RpcDuplicateMethodError } from "./errors.js";
import { MAX_NAME_LENGTH } from "./protocol.js";

/** What a handler registered with `{ context: true }` gets as its first argument. */
export interface CallContext {
  /** The calling client's id (on a client: the id it presented to the server). */
  readonly clientId: string;
  /** The method name that was called. */
  readonly method: string;
  /**
   * Aborted when the reply is no longer wanted: the handler outlived `handlerTimeoutMs`, or the
   * connection closed. A handler that waits on timers or I/O should pass it on (e.g.
   * `setTimeout(ms, v, { signal })` of `node:timers/promises`) so nothing outlives the call.
   */
  readonly signal: AbortSignal;
}

/** A handler: plain arguments in, a value or a promise of one out. */
// biome-ignore lint/suspicious/noExplicitAny: handlers take whatever msgpack decodes to.
export type Handler = (...args: any[]) => unknown;

/** Options of `register`. */
export interface RegisterOptions {
  /** Pass a {@link CallContext} as the first argument. Default false. */
  context?: boolean;
}

/** Options of `registerModule`. */
export interface RegisterModuleOptions extends RegisterOptions {
  /** Prepended verbatim to every name: `{ prefix: "math." }` registers `math.sum`. Default "". */
  prefix?: string;
}

/** One registered handler (fields fixed at registration; read on every call). */
export interface MethodEntry {
  readonly fn: Handler;
  readonly thisArg: unknown;
  readonly withContext: boolean;
}

/** Throw a TypeError unless `name` is a usable method name. */
export function checkMethodName(name: unknown, origin: string): string {
  if (typeof name !== "string" || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw new TypeError(
      `${origin} expects a method name of 1..${MAX_NAME_LENGTH} characters, got ${typeof name === "string" ? JSON.stringify(name) : typeof name}`,
    );
  }
  return name;
}

/**
 * The table of callable handlers (the seed's dict of rpc functions). Names are exact strings; a
 * name can be registered once (unregister first to replace).
 */
export class MethodRegistry {
  private readonly methods = new Map<string, MethodEntry>();

  /** Register `fn` under `name`. Throws RpcDuplicateMethodError if the name is taken. */
  register(name: string, fn: Handler, options?: RegisterOptions): void {
    checkMethodName(name, "register");
    if (typeof fn !== "function") {
      throw new TypeError(`register("${name}") expects a function, got ${typeof fn}`);
    }
    this.add(name, { fn, thisArg: undefined, withContext: options?.context === true });
  }

  /**
   * Register every function of `module` — an `import * as ns` namespace, a plain object or a
   * class instance (own and inherited methods) — except `constructor` and names starting with
   * `_` (the seed skipped `__dunder__` names). Methods keep `module` as `this`. Returns the
   * registered names. Nothing is registered if any name is taken.
   */
  registerModule(module: object, options?: RegisterModuleOptions): string[] {
    if (module === null || (typeof module !== "object" && typeof module !== "function")) {
      throw new TypeError("registerModule expects an object or module namespace");
    }
    const prefix = options?.prefix ?? "";
    if (typeof prefix !== "string") throw new TypeError("registerModule: prefix must be a string");
    const withContext = options?.context === true;
    const found = new Map<string, Handler>();
    // A module namespace's bindings may be accessors (bundlers, test runners): read them. On
    // other objects getters are skipped rather than run.
    const isNamespace = Object.prototype.toString.call(module) === "[object Module]";
    // Walk the user's own prototypes only: what a class inherits from Object or EventEmitter
    // (emit, on, removeAllListeners, …) must never become remotely callable.
    for (
      let o: object | null = module;
      o !== null && o !== Object.prototype && o !== EventEmitter.prototype;
    ) {
      for (const key of Object.getOwnPropertyNames(o)) {
        if (key === "constructor" || key.startsWith("_") || found.has(key)) continue;
        const d = Object.getOwnPropertyDescriptor(o, key);
        const value = isNamespace ? (module as Record<string, unknown>)[key] : d?.value;
        if (typeof value === "function") found.set(key, value as Handler);
      }
      o = Object.getPrototypeOf(o) as object | null;
      if (typeof module === "function") break;
    }
    const names: string[] = [];
    for (const key of found.keys()) {
      const name = checkMethodName(prefix + key, "registerModule");
      if (this.methods.has(name)) {
        throw new RpcDuplicateMethodError(`method "${name}" is already registered`);
      }
      names.push(name);
    }
    for (const key of found.keys()) {
      this.methods.set(prefix + key, {
        fn: found.get(key) as Handler,
        thisArg: module,
        withContext,
      });
    }
    return names;
  }

  /** Remove `name`; true if it was registered. */
  unregister(name: string): boolean {
    return this.methods.delete(name);
  }

  /** The handler for `name`, or undefined. */
  get(name: string): MethodEntry | undefined {
    return this.methods.get(name);
  }

  /** Registered names, in registration order. */
  names(): string[] {
    return [...this.methods.keys()];
  }

  private add(name: string, entry: MethodEntry): void {
    if (this.methods.has(name)) {
      throw new RpcDuplicateMethodError(`method "${name}" is already registered`);
    }
    this.methods.set(name, entry);
  }
}
