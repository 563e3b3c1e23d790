// NunjucksTemplateEngine: render() through nunjucks, a Jinja-like engine close to Tornado's templates (an optional peer dependency).

import { createRequire } from "node:module";
import type * as Nunjucks from "nunjucks";
import { TemplateError } from "./errors.js";
import { ConfinedTemplateLoader } from "./nunjucks-loader.js";
import type { TemplateEngine } from "./template.js";
import { installTornadoHelpers, withTornadoNames } from "./tornado-template-helpers.js";
import type { WhitespaceMode } from "./tornado-template-syntax.js";

/** Options of {@link NunjucksTemplateEngine}. */
export interface NunjucksTemplateEngineOptions {
  /** Directory holding the templates (the `templatePath` setting). */
  templatePath: string;
  /** Development mode: `cache` defaults to false and errors carry nunjucks' own stack. Default false. */
  debug?: boolean;
  /** Keep compiled templates (default `!debug`); false re-reads each file on every render. */
  cache?: boolean;
  /** Escape `{{ … }}` output for HTML (default true). */
  autoescape?: boolean;
  /** Added to template names without one (default ".html"; "" adds nothing). */
  extension?: string;
  /**
   * `"tornado"` (default): files are written in Tornado's syntax and translated on load
   * (`translateTornadoTemplate`: `{% end %}`, `{% raw %}`, `{% module %}`, `{% apply %}`,
   * whitespace modes, includes relative to the including file); nunjucks' own `{% endX %}`
   * tags work too. `"nunjucks"`: files are plain nunjucks, read as they are.
   */
  syntax?: "tornado" | "nunjucks";
  /**
   * Tornado syntax only: the whitespace mode of every file (default, as Tornado: `single` for
   * `.html` and `.js` names, `all` otherwise).
   */
  whitespace?: WhitespaceMode;
  /** Throw when `{{ … }}` outputs undefined or null, as Tornado raises NameError (default false). */
  throwOnUndefined?: boolean;
}

/**
 * The part of nunjucks' `Environment` an application customizes (filters, globals, extensions).
 * It is the real Environment; with `@types/nunjucks` installed, cast it to `nunjucks.Environment`
 * for the rest.
 */
export interface NunjucksEnvironment {
  addFilter(name: string, fn: (...args: never[]) => unknown, async?: boolean): unknown;
  addGlobal(name: string, value: unknown): unknown;
  addExtension(name: string, extension: object): unknown;
  getFilter(name: string): (...args: never[]) => unknown;
  getGlobal(name: string): unknown;
  /** Forget every compiled template (they are read again on next use). */
  invalidateCache(): void;
}

const requireFromHere = createRequire(import.meta.url);

/** nunjucks, loaded on first use so that eta users never need it installed. */
function loadNunjucks(): typeof Nunjucks {
  try {
    return requireFromHere("nunjucks") as typeof Nunjucks;
  } catch (err) {
    throw new TemplateError(
      "NunjucksTemplateEngine needs the nunjucks package: install nunjucks@^3.2.4 next to @t/web",
      { cause: err },
    );
  }
}

/**
 * Renders templates with nunjucks (Jinja-like: `{% extends %}`, `{% block %}`, `{{ expr }}`,
 * `{% include %}`, autoescaping), by default translating Tornado's template syntax on load so
 * that Tornado templates need fewer changes; see the porting guide for what still differs.
 * Plug it in with the `templateEngine` setting:
 *
 * ```ts
 * new Application(routes, {
 *   templateEngine: new NunjucksTemplateEngine({ templatePath: "templates", debug }),
 * });
 * ```
 *
 * Templates see the handler's namespace (`getTemplateNamespace()`), with Tornado's names added
 * (`current_user`, `static_url`, `xsrf_form_html`, `reverse_url`) and Tornado's helpers as
 * globals and filters (`escape`, `url_escape`, `json_encode`, `squeeze`, `linkify`).
 * `{% module X(…) %}` calls the handler's UI modules (the namespace's `modules`, where Tornado's
 * `xsrf_form_html` reaches `xsrfFormHtml`); rendered outside a handler, Tornado's built-ins
 * `xsrf_form_html()`, `linkify(text)` and `Template(name, **kwargs)` stand in.
 *
 * Names are relative to `templatePath`; absolute names and names that leave it are refused with a
 * TemplateError, as is any failure to find, compile or render a template (`cause` holds nunjucks'
 * error). nunjucks is an optional peer dependency: install `nunjucks@^3.2.4` to use this class.
 */
export class NunjucksTemplateEngine implements TemplateEngine {
  /** The nunjucks Environment, for custom filters, globals and extensions. */
  readonly env: NunjucksEnvironment;
  private readonly nunjucks: Nunjucks.Environment;
  private readonly loader: ConfinedTemplateLoader;

  constructor(options: NunjucksTemplateEngineOptions) {
    if (
      options === null ||
      typeof options !== "object" ||
      typeof options.templatePath !== "string"
    ) {
      throw new TypeError("NunjucksTemplateEngine expects { templatePath: string }");
    }
    const syntax = options.syntax ?? "tornado";
    if (syntax !== "tornado" && syntax !== "nunjucks") {
      throw new TypeError(`syntax must be "tornado" or "nunjucks", got ${String(syntax)}`);
    }
    const extension = options.extension ?? ".html";
    if (typeof extension !== "string") throw new TypeError("extension must be a string");
    const debug = options.debug === true;
    const autoescape = options.autoescape ?? true;
    const nunjucks = loadNunjucks();
    this.loader = new ConfinedTemplateLoader({
      root: options.templatePath,
      extension,
      cache: options.cache ?? !debug,
      tornadoSyntax: syntax === "tornado",
      whitespace: options.whitespace,
      autoescape,
    });
    // The loader implements nunjucks' loader protocol (getSource, isRelative, resolve).
    const loader = this.loader as unknown as Nunjucks.ILoader;
    this.nunjucks = new nunjucks.Environment(loader, {
      autoescape,
      throwOnUndefined: options.throwOnUndefined === true,
      dev: debug,
    });
    this.env = this.nunjucks as unknown as NunjucksEnvironment;
    const runtime = nunjucks.runtime as unknown as { markSafe(value: string): unknown };
    installTornadoHelpers(this.env, runtime.markSafe);
  }

  /** Render template `name` with `namespace` (plus Tornado's names and modules). */
  render(name: string, namespace: Record<string, unknown>): Promise<string> {
    if (typeof name !== "string" || name.length === 0) {
      return Promise.reject(new TypeError("template name must be a non-empty string"));
    }
    return new Promise((resolve, reject) => {
      const fail = (err: unknown) =>
        reject(
          err instanceof TemplateError && err.cause === undefined
            ? err
            : new TemplateError(
                `cannot render template ${JSON.stringify(name)}: ${(err as Error)?.message ?? String(err)}`,
                { cause: err },
              ),
        );
      try {
        this.loader.checkName(name);
        this.nunjucks.render(name, this.context(namespace), (err, html) => {
          if (err) fail(err);
          else resolve(html ?? "");
        });
      } catch (err) {
        fail(err);
      }
    });
  }

  /**
   * The namespace a template sees: Tornado's names added, and `_tt_modules` for `{% module %}`:
   * the namespace's own `_tt_modules`, else its `modules`/`module` object (the handler's UI
   * modules; Tornado's `xsrf_form_html` reaches `xsrfFormHtml` there), else Tornado's built-ins.
   */
  private context(namespace: Record<string, unknown>): Record<string, unknown> {
    const ctx = withTornadoNames(namespace);
    if (ctx._tt_modules === undefined) {
      const own = namespace.modules ?? namespace.module;
      ctx._tt_modules =
        own !== null && typeof own === "object"
          ? withTornadoModuleNames(own as Record<string, unknown>)
          : this.builtinModules(namespace);
    }
    return ctx;
  }

  /** Tornado's built-in UI modules: `xsrf_form_html`, `linkify`, `Template`. */
  private builtinModules(namespace: Record<string, unknown>): Record<string, unknown> {
    const linkify = this.nunjucks.getGlobal("linkify") as (...args: unknown[]) => string;
    return {
      xsrf_form_html: () => {
        const fn = namespace.xsrfFormHtml ?? namespace.xsrf_form_html;
        if (typeof fn !== "function") {
          throw new TypeError("{% module xsrf_form_html() %} needs xsrfFormHtml in the namespace");
        }
        return fn();
      },
      linkify,
      Template: (templateName: string, kwargs?: Record<string, unknown>) => {
        const vars: Record<string, unknown> = { ...namespace };
        if (kwargs !== null && typeof kwargs === "object") {
          for (const [k, v] of Object.entries(kwargs)) if (k !== "__keywords") vars[k] = v;
        }
        return this.render(templateName, vars);
      },
    };
  }
}

/**
 * `modules` as it is, or — when it has `xsrfFormHtml` but not Tornado's `xsrf_form_html` — an
 * object inheriting from it that adds the Tornado name.
 */
function withTornadoModuleNames(modules: Record<string, unknown>): Record<string, unknown> {
  if ("xsrf_form_html" in modules || !("xsrfFormHtml" in modules)) return modules;
  return Object.create(modules, {
    xsrf_form_html: {
      value: (...args: unknown[]) =>
        (modules.xsrfFormHtml as (...a: unknown[]) => unknown)(...args),
    },
  });
}
