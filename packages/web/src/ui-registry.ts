// The uiModules and uiMethods settings read into name → class / function maps, checked once per settings value.

import { BUILTIN_UI_MODULES } from "./builtin-ui-modules.js";
import { isUIModuleClass, type UIModuleClass } from "./ui-module.js";

/**
 * The `uiModules` setting: a record of name → UIModule subclass (`{ Entry, Sidebar }`), a module
 * namespace object (`import * as modules from "./ui-modules.js"`: its exported UIModule
 * subclasses are taken, other exports skipped), or an array of these.
 */
export type UIModulesSetting = Readonly<Record<string, unknown>> | readonly UIModulesSetting[];

/**
 * A ui method: a function a template calls by name, which receives the handler first
 * (`(handler, ...args) => …`; Tornado's `ui_methods`).
 */
// biome-ignore lint/suspicious/noExplicitAny: the handler class and arguments are the user's
export type UIMethod = (handler: any, ...args: any[]) => unknown;

/**
 * The `uiMethods` setting: a record of name → function `(handler, ...args)`, a module namespace
 * object (its exported functions whose names start with a lowercase letter), or an array of these.
 */
export type UIMethodsSetting = Readonly<Record<string, unknown>> | readonly UIMethodsSetting[];

/** Names a template reaches with `it.module.Name` / `module.Name`. */
const NAME_RE = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Namespace entries a ui method may not replace (the module namespace). */
const RESERVED_METHOD_NAMES: ReadonlySet<string> = new Set(["module", "modules"]);

const moduleCache = new WeakMap<object, ReadonlyMap<string, UIModuleClass>>();
const methodCache = new WeakMap<object, ReadonlyMap<string, UIMethod>>();
const NO_METHODS: ReadonlyMap<string, UIMethod> = new Map();

/** A module namespace object (`import * as m`), whose other exports are skipped, not refused. */
function isModuleNamespace(v: object): boolean {
  return Object.prototype.toString.call(v) === "[object Module]";
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "function") return `function ${v.name || "(anonymous)"}`;
  return typeof v;
}

function addModules(
  out: Map<string, UIModuleClass>,
  setting: unknown,
  depth: number,
  seen: Set<unknown>,
): void {
  if (Array.isArray(setting)) {
    if (depth > 8 || seen.has(setting)) throw new TypeError("uiModules: arrays nested too deep");
    seen.add(setting);
    for (const part of setting) addModules(out, part, depth + 1, seen);
    return;
  }
  if (setting === null || typeof setting !== "object") {
    throw new TypeError(
      `uiModules must be a record of name → UIModule subclass, a module namespace or an array of them; got ${describe(setting)}`,
    );
  }
  const lenient = isModuleNamespace(setting);
  for (const [name, value] of Object.entries(setting)) {
    if (!isUIModuleClass(value)) {
      if (lenient) continue;
      throw new TypeError(`uiModules.${name} must be a UIModule subclass, got ${describe(value)}`);
    }
    if (!NAME_RE.test(name)) {
      throw new TypeError(
        `uiModules: ${JSON.stringify(name)} is not a name a template can call (letters, digits, _ and $, not starting with a digit)`,
      );
    }
    out.set(name, value);
  }
}

/**
 * The UI modules of a `uiModules` setting: the built-ins (`Template`, `linkify`,
 * `xsrfFormHtml`) plus the setting's classes (which may replace a built-in). Checked and built
 * once per setting value.
 *
 * @throws TypeError for a value that is not a UIModule subclass (in a plain record), a name a
 *   template cannot call, or a setting of the wrong shape.
 */
export function resolveUIModules(setting: unknown): ReadonlyMap<string, UIModuleClass> {
  if (setting === undefined) return BUILTIN_UI_MODULES;
  if (setting !== null && typeof setting === "object") {
    const cached = moduleCache.get(setting);
    if (cached !== undefined) return cached;
  }
  const out = new Map(BUILTIN_UI_MODULES);
  addModules(out, setting, 0, new Set());
  moduleCache.set(setting as object, out);
  return out;
}

function addMethods(
  out: Map<string, UIMethod>,
  setting: unknown,
  depth: number,
  seen: Set<unknown>,
): void {
  if (Array.isArray(setting)) {
    if (depth > 8 || seen.has(setting)) throw new TypeError("uiMethods: arrays nested too deep");
    seen.add(setting);
    for (const part of setting) addMethods(out, part, depth + 1, seen);
    return;
  }
  if (setting === null || typeof setting !== "object") {
    throw new TypeError(
      `uiMethods must be a record of name → function(handler, ...args), a module namespace or an array of them; got ${describe(setting)}`,
    );
  }
  const lenient = isModuleNamespace(setting);
  for (const [name, value] of Object.entries(setting)) {
    if (lenient) {
      // Tornado's rule for a module: public functions named in lower camel case (classes,
      // UI modules among them, start with a capital).
      const c = name.charCodeAt(0);
      const lowercase = c >= 0x61 && c <= 0x7a;
      if (typeof value !== "function" || !lowercase || isUIModuleClass(value)) continue;
    } else if (typeof value !== "function") {
      throw new TypeError(
        `uiMethods.${name} must be a function(handler, ...args), got ${describe(value)}`,
      );
    }
    if (!NAME_RE.test(name)) {
      throw new TypeError(
        `uiMethods: ${JSON.stringify(name)} is not a name a template can call (letters, digits, _ and $, not starting with a digit)`,
      );
    }
    if (RESERVED_METHOD_NAMES.has(name)) {
      throw new TypeError(
        `uiMethods: ${JSON.stringify(name)} is the template namespace's UI module entry; choose another name`,
      );
    }
    out.set(name, value as UIMethod);
  }
}

/**
 * The ui methods of a `uiMethods` setting, by name (none when it is unset). Checked and built
 * once per setting value.
 *
 * @throws TypeError for a value that is not a function (in a plain record), a name a template
 *   cannot call or one of the reserved names `module` and `modules`, or a setting of the wrong
 *   shape.
 */
export function resolveUIMethods(setting: unknown): ReadonlyMap<string, UIMethod> {
  if (setting === undefined) return NO_METHODS;
  if (setting !== null && typeof setting === "object") {
    const cached = methodCache.get(setting);
    if (cached !== undefined) return cached;
  }
  const out = new Map<string, UIMethod>();
  addMethods(out, setting, 0, new Set());
  methodCache.set(setting as object, out);
  return out;
}
