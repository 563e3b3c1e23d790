// The language switch: remembers the visitor's choice in a cookie and goes back to the page.

import { HTTPError } from "@t/web";
import { LANG_COOKIE, languageCode } from "../translations.mjs";
import { localNext } from "./auth.mjs";
import { BaseHandler } from "./base.mjs";

/** Days the language choice is kept. */
const LANG_COOKIE_DAYS = 365;

/**
 * GET /lang/<code>?next=/path — keep `code` (one of the demo's languages) in the `lang` cookie,
 * which `getUserLocale` reads before the browser's Accept-Language, and return to `next` (a
 * local path). A plain link, as a language switch is: it changes nothing but how pages read.
 */
export class LanguageHandler extends BaseHandler {
  static metricsRoute = "lang";

  /** @param {string} code */
  get(code) {
    const lang = languageCode(code);
    if (lang === null) throw new HTTPError(404, "not one of the demo's languages");
    this.setCookie(LANG_COOKIE, lang, { expiresDays: LANG_COOKIE_DAYS, sameSite: "Lax" });
    this.redirect(localNext(this.getArgument("next", "/")));
  }
}
