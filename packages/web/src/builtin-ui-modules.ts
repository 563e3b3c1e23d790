// The UI modules every application has (Tornado's): Template, linkify and xsrfFormHtml.

import { type LinkifyOptions, linkify } from "./escape.js";
import { UIModule, type UIModuleClass, type UIModuleFiles } from "./ui-module.js";

/**
 * What a template rendered by {@link TemplateModule} declares with `setResources({...})`: the
 * same resources a UIModule's methods return, by the methods' names.
 */
export interface TemplateResources {
  embeddedJavascript?: string;
  javascriptFiles?: string | readonly string[];
  embeddedCss?: string;
  cssFiles?: string | readonly string[];
  htmlHead?: string;
  htmlBody?: string;
}

const RESOURCE_KEYS: ReadonlySet<string> = new Set([
  "embeddedJavascript",
  "javascriptFiles",
  "embeddedCss",
  "cssFiles",
  "htmlHead",
  "htmlBody",
]);

function checkResources(name: string, resources: unknown): TemplateResources {
  if (resources === null || typeof resources !== "object" || Array.isArray(resources)) {
    throw new TypeError(`setResources() in template ${JSON.stringify(name)} expects an object`);
  }
  for (const key of Object.keys(resources)) {
    if (!RESOURCE_KEYS.has(key)) {
      throw new TypeError(
        `setResources() in template ${JSON.stringify(name)}: unknown resource ${JSON.stringify(key)} (expected ${[...RESOURCE_KEYS].join(", ")})`,
      );
    }
  }
  return resources as TemplateResources;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameResources(a: TemplateResources, b: TemplateResources): boolean {
  for (const key of RESOURCE_KEYS) {
    const k = key as keyof TemplateResources;
    if (!sameValue(a[k], b[k])) return false;
  }
  return true;
}

/**
 * Renders a template as a module (Tornado's `Template` module): `<%~ await
 * it.module.Template("card.eta", { card }) %>`. Unlike an include, the template gets the
 * handler's namespace plus the given variables only (not the caller's), and it may declare the
 * page resources it needs with `setResources({ cssFiles: "card.css", embeddedJavascript: "…" })`
 * (it returns "", so `<%= it.setResources({...}) %>` writes nothing). Resources are kept once per
 * template name and must not change between two uses of the same template (TypeError).
 * `render` returns a Promise (a template renders asynchronously): await it.
 */
export class TemplateModule extends UIModule {
  private readonly byTemplate = new Map<string, TemplateResources>();

  override render(name: string, vars: Record<string, unknown> = {}): Promise<string> {
    if (typeof name !== "string" || name === "") {
      return Promise.reject(
        new TypeError("the Template module expects a template name as its first argument"),
      );
    }
    const setResources = (resources: TemplateResources): string => {
      const checked = checkResources(name, resources);
      const previous = this.byTemplate.get(name);
      if (previous === undefined) this.byTemplate.set(name, { ...checked });
      else if (!sameResources(previous, checked)) {
        throw new TypeError(
          `setResources() called with different resources for the same template ${JSON.stringify(name)}`,
        );
      }
      return "";
    };
    return this.renderString(name, { ...vars, setResources });
  }

  private joined(
    key: "embeddedJavascript" | "embeddedCss" | "htmlHead" | "htmlBody",
    separator: string,
  ): string | null {
    const parts: string[] = [];
    for (const r of this.byTemplate.values()) {
      const v = r[key];
      if (typeof v === "string" && v !== "") parts.push(v);
    }
    return parts.length === 0 ? null : parts.join(separator);
  }

  private files(key: "javascriptFiles" | "cssFiles"): UIModuleFiles {
    const out: string[] = [];
    for (const r of this.byTemplate.values()) {
      const v = r[key];
      if (typeof v === "string") out.push(v);
      else if (Array.isArray(v)) for (const f of v) out.push(f);
    }
    return out;
  }

  override embeddedJavascript(): string | null {
    return this.joined("embeddedJavascript", "\n");
  }
  override javascriptFiles(): UIModuleFiles {
    return this.files("javascriptFiles");
  }
  override embeddedCss(): string | null {
    return this.joined("embeddedCss", "\n");
  }
  override cssFiles(): UIModuleFiles {
    return this.files("cssFiles");
  }
  override htmlHead(): string | null {
    return this.joined("htmlHead", "");
  }
  override htmlBody(): string | null {
    return this.joined("htmlBody", "");
  }
}

/** `it.module.linkify(text, options)`: the text HTML-escaped with its URLs as links (`linkify`). */
class LinkifyModule extends UIModule {
  override render(text: string, options?: LinkifyOptions): string {
    return linkify(text, options);
  }
}

/** `it.module.xsrfFormHtml()`: the XSRF hidden input (`RequestHandler.xsrfFormHtml`). */
class XsrfFormHtmlModule extends UIModule {
  override render(): string {
    return this.handler.xsrfFormHtml();
  }
}

/** The modules every application has, by name (the `uiModules` setting adds to them). */
export const BUILTIN_UI_MODULES: ReadonlyMap<string, UIModuleClass> = new Map<
  string,
  UIModuleClass
>([
  ["Template", TemplateModule],
  ["linkify", LinkifyModule],
  ["xsrfFormHtml", XsrfFormHtmlModule],
]);
