// UIModule: the base class of Tornado's UI modules — reusable pieces of a page that bring their own JavaScript and CSS.

import type { HTTPServerRequest } from "@t/httpserver";
import type { Locale } from "@t/locale";

/**
 * What a {@link UIModule} uses of the handler that renders it. A `RequestHandler` has all of it
 * (it is the handler a module gets at run time); the interface only keeps this file from
 * importing the handler class.
 */
export interface UIModuleHandler {
  /** The request being handled. */
  readonly request: HTTPServerRequest;
  /** The handler's locale (`RequestHandler.locale`). */
  readonly locale: Locale;
  /** The handler's current user (`RequestHandler.currentUser`). */
  readonly currentUser: unknown;
  /** Render a template with the handler's namespace plus `vars`. */
  renderString(name: string, vars?: Record<string, unknown>): Promise<string>;
  /** The versioned URL of a static file. */
  staticUrl(path: string): string;
  /** The XSRF hidden input for forms. */
  xsrfFormHtml(): string;
}

/** What `javascriptFiles()` and `cssFiles()` may return: one path or URL, several, or none. */
export type UIModuleFiles = string | readonly string[] | null | undefined;

/**
 * Marks UIModule's prototype, so that a module class built on another installed copy of @t/web
 * is recognised by shape (registered key, as in symbols.ts).
 */
const kUIModule: unique symbol = Symbol.for("@t/web.uiModule");

/**
 * A reusable piece of a page (Tornado's `UIModule`): a template calls it by name from the
 * `module` namespace entry (`<%~ it.module.Entry(entry) %>` in eta), and its `render` returns
 * the HTML. The JavaScript and CSS a module declares go into the page once, however many times
 * the module is used: `render()` of the handler puts `<link>`/`<style>` before `</head>` and
 * `<script>` before `</body>`.
 *
 * One instance is made per handler and module name, on first use, so fields of a module live
 * for one request. Register classes with the `uiModules` setting.
 *
 * ```ts
 * class Entry extends UIModule {
 *   render(entry: { title: string }) {
 *     return `<div class="entry">${xhtmlEscape(entry.title)}</div>`;
 *   }
 *   embeddedCss() { return ".entry { margin: 1em 0 }"; }
 *   javascriptFiles() { return "entry.js"; } // → /static/entry.js?v=…
 * }
 * new Application(routes, { uiModules: { Entry } });
 * ```
 *
 * @typeParam H - the handler class the module is used from (for `this.handler`).
 */
export class UIModule<H extends UIModuleHandler = UIModuleHandler> {
  /** The handler rendering the page. */
  readonly handler: H;

  constructor(handler: H) {
    this.handler = handler;
  }

  /** The request being handled. */
  get request(): HTTPServerRequest {
    return this.handler.request;
  }

  /** The handler's locale (read when first used, as `RequestHandler.locale`). */
  get locale(): Locale {
    return this.handler.locale;
  }

  /** The handler's current user. */
  get currentUser(): unknown {
    return this.handler.currentUser;
  }

  /**
   * Override: this module's HTML for the arguments the template passed. Return a string, or a
   * Promise of one (then the template awaits it: `<%~ await it.module.Entry(e) %>` in eta). The
   * output is HTML and is inserted as it is: escape what came from users.
   */
  render(..._args: unknown[]): string | Promise<string> {
    throw new TypeError(`UI module ${this.constructor.name} must override render()`);
  }

  /** Override: JavaScript to embed once in the page, in a `<script>` before `</body>`. */
  embeddedJavascript(): string | null {
    return null;
  }

  /**
   * Override: JavaScript files for the page, in order. A relative path is a static file (made a
   * versioned URL by `staticUrl`); a path starting with `/`, `http:` or `https:` is used as it is.
   * Files are listed once per page, whichever modules name them.
   */
  javascriptFiles(): UIModuleFiles {
    return null;
  }

  /** Override: CSS to embed once in the page, in a `<style>` before `</head>`. */
  embeddedCss(): string | null {
    return null;
  }

  /** Override: CSS files for the page (paths as for {@link UIModule.javascriptFiles}). */
  cssFiles(): UIModuleFiles {
    return null;
  }

  /** Override: HTML to put once at the end of the page's `<head>`. */
  htmlHead(): string | null {
    return null;
  }

  /** Override: HTML to put once at the end of the page's `<body>`. */
  htmlBody(): string | null {
    return null;
  }

  /**
   * Render template `name` with the handler's template namespace plus `namespace` (for a module
   * whose HTML is a template of its own). Modules used by that template count for the page too.
   */
  renderString(name: string, namespace: Record<string, unknown> = {}): Promise<string> {
    return this.handler.renderString(name, namespace);
  }
}

(UIModule.prototype as unknown as Record<symbol, unknown>)[kUIModule] = true;

/** A UIModule subclass, as the `uiModules` setting takes it. */
export type UIModuleClass = new (handler: UIModuleHandler) => UIModule<UIModuleHandler>;

/**
 * True for UIModule and its subclasses (by shape: a class made from another installed copy of
 * @t/web counts too).
 */
export function isUIModuleClass(v: unknown): v is UIModuleClass {
  if (typeof v !== "function") return false;
  const proto = (v as { prototype?: unknown }).prototype;
  return (
    proto !== null &&
    typeof proto === "object" &&
    (proto as Record<symbol, unknown>)[kUIModule] === true
  );
}
