// GET /me/tornado — the profile page from a Tornado-style template (templates-tornado/), rendered by @t/web's NunjucksTemplateEngine.

import { fileURLToPath } from "node:url";
import { authenticated, NunjucksTemplateEngine } from "@t/web";
import { BaseHandler } from "./base.mjs";

/** The demo's Tornado-style templates: Tornado's syntax, read by nunjucks. */
export const TORNADO_TEMPLATE_PATH = fileURLToPath(
  new URL("../../templates-tornado/", import.meta.url),
);

/** One engine per Application: its `debug` setting turns the template cache off. */
const engines = new WeakMap();

/**
 * The same page as /me (ProfileHandler), converted from `templates/profile.eta` to Tornado's
 * template syntax. The rest of the demo keeps eta (the `templatePath` setting): this handler
 * renders its `.html` templates with a NunjucksTemplateEngine of its own, and everything else
 * (the error pages) through the application's engine. Anonymous users are sent to the login.
 */
export class TornadoProfileHandler extends BaseHandler {
  static metricsRoute = "profile_tornado";

  /**
   * `.html` names from templates-tornado/ through nunjucks; the rest as usual.
   * @param {string} name
   * @param {Record<string, unknown>} [vars]
   */
  async renderString(name, vars = {}) {
    if (!name.endsWith(".html")) return await super.renderString(name, vars);
    let engine = engines.get(this.application);
    if (engine === undefined) {
      engine = new NunjucksTemplateEngine({
        templatePath: TORNADO_TEMPLATE_PATH,
        debug: this.settings.debug === true,
      });
      engines.set(this.application, engine);
    }
    return await engine.render(name, { ...this.getTemplateNamespace(), ...vars });
  }

  async get() {
    await this.render("profile.html");
  }
}
TornadoProfileHandler.prototype.get = authenticated(TornadoProfileHandler.prototype.get);
