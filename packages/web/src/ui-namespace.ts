// UINamespace: one handler's UI modules and ui methods as templates call them, and the modules its pages used.

import { TemplateError } from "./errors.js";
import { isPromiseLike } from "./promise-like.js";
import type { UIModule, UIModuleClass, UIModuleHandler } from "./ui-module.js";
import type { UIMethod } from "./ui-registry.js";

/** A module's call as a template makes it: its HTML, or a Promise of it. */
type ModuleCall = (...args: unknown[]) => string | Promise<string>;

/** Keys read from any object by runtimes and tools (await, JSON, inspection): never module names. */
const NOT_MODULE_NAMES: ReadonlySet<string> = new Set([
  "then",
  "toJSON",
  "constructor",
  "toString",
  "valueOf",
  "inspect",
  "__proto__",
  "asymmetricMatch",
  "nodeType",
  "$$typeof",
]);

/** A module's output as text: a string as it is, null/undefined as "", anything else `String()`. */
function moduleText(value: unknown): string {
  if (typeof value === "string") return value;
  return value === null || value === undefined ? "" : String(value);
}

/**
 * The UI modules and ui methods of one handler, made when it first renders a template: `modules`
 * is the `module` (and `modules`) entry of the template namespace — a Proxy whose property for
 * each registered name renders that module, and whose unknown names throw a TemplateError naming
 * the registered ones; `methods` are the ui methods bound to the handler. `active` holds the
 * module instances the handler's templates used (one per name, in first-use order), whose
 * resources `render()` puts into the page.
 */
export class UINamespace {
  /** Modules used so far, by name, in the order of first use. */
  readonly active = new Map<string, UIModule>();
  /** `it.module` / `it.modules` of the template namespace. */
  readonly modules: Readonly<Record<string, ModuleCall>>;
  /** The ui methods bound to the handler, or null when there are none. */
  readonly methods: Readonly<Record<string, (...args: unknown[]) => unknown>> | null;

  constructor(
    handler: UIModuleHandler,
    registry: ReadonlyMap<string, UIModuleClass>,
    methods: ReadonlyMap<string, UIMethod>,
  ) {
    const active = this.active;
    const calls = new Map<string, ModuleCall>();
    const callFor = (name: string, Cls: UIModuleClass): ModuleCall => {
      let call = calls.get(name);
      if (call === undefined) {
        call = (...args: unknown[]) => {
          let module = active.get(name);
          if (module === undefined) {
            module = new Cls(handler);
            active.set(name, module);
          }
          const out = module.render(...args);
          return isPromiseLike(out) ? Promise.resolve(out).then(moduleText) : moduleText(out);
        };
        calls.set(name, call);
      }
      return call;
    };
    this.modules = new Proxy(Object.create(null) as Record<string, ModuleCall>, {
      get(_target, key) {
        if (typeof key !== "string" || NOT_MODULE_NAMES.has(key)) return undefined;
        const Cls = registry.get(key);
        if (Cls === undefined) {
          throw new TemplateError(
            `unknown UI module ${JSON.stringify(key)}: the uiModules setting has ${[...registry.keys()].sort().join(", ")}`,
          );
        }
        return callFor(key, Cls);
      },
      has(_target, key) {
        return typeof key === "string" && registry.has(key);
      },
    });
    if (methods.size === 0) {
      this.methods = null;
    } else {
      const bound: Record<string, (...args: unknown[]) => unknown> = {};
      for (const [name, fn] of methods) bound[name] = (...args) => fn(handler, ...args);
      this.methods = bound;
    }
  }
}
