// Templates: the engine interface render() goes through, and the default adapter for eta.

import { Eta } from "eta";
import { TemplateError } from "./errors.js";

/**
 * What `RequestHandler.render()` needs from a template library: turn a template name (a path
 * relative to the `templatePath` setting) and a namespace of variables into text. Plug another
 * library in with the `templateEngine` setting: `NunjucksTemplateEngine` (Tornado-style
 * templates) ships with this package. An engine should refuse names that leave its directory and
 * report failures as `TemplateError`.
 */
export interface TemplateEngine {
  render(name: string, namespace: Record<string, unknown>): string | Promise<string>;
}

/** Options of `EtaTemplateEngine`. */
export interface EtaTemplateEngineOptions {
  /** Directory holding the templates (the `templatePath` setting). */
  templatePath: string;
  /** Keep compiled templates (default true; the Application passes `!debug`). */
  cache?: boolean;
  /** File extension added to names without one (default ".eta"). */
  defaultExtension?: string;
}

/**
 * The default engine: eta with autoescaping on. In a template the namespace is `it`:
 * `<%= it.name %>` escapes HTML, `<%~ it.html %>` writes raw; `<%~ include("./part", it) %>`
 * includes another template.
 */
export class EtaTemplateEngine implements TemplateEngine {
  /** The underlying eta instance (for custom configuration). */
  readonly eta: Eta;

  constructor(options: EtaTemplateEngineOptions) {
    if (
      options === null ||
      typeof options !== "object" ||
      typeof options.templatePath !== "string"
    ) {
      throw new TypeError("EtaTemplateEngine expects { templatePath: string }");
    }
    this.eta = new Eta({
      views: options.templatePath,
      autoEscape: true,
      cache: options.cache ?? true,
      defaultExtension: options.defaultExtension ?? ".eta",
    });
  }

  async render(name: string, namespace: Record<string, unknown>): Promise<string> {
    if (typeof name !== "string" || name.length === 0) {
      throw new TypeError("template name must be a non-empty string");
    }
    const rel = name.startsWith("./") || name.startsWith("/") ? name : `./${name}`;
    try {
      return await this.eta.renderAsync(rel, namespace);
    } catch (err) {
      throw new TemplateError(
        `cannot render template ${JSON.stringify(name)}: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
}
