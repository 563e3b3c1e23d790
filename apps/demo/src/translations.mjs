// The demo's languages: English (its own strings) and German (locale/de.csv), and the cookie that picks one.

import { fileURLToPath } from "node:url";
import { Translations } from "@t/locale";

/** The folder of the demo's Tornado-style CSV translation files (`de.csv`). */
export const LOCALE_PATH = fileURLToPath(new URL("../locale/", import.meta.url));

/** The cookie that holds the language a visitor chose with the switch in the header. */
export const LANG_COOKIE = "lang";

/** The languages of the switch, by locale code, each named in itself. */
export const LANGUAGES = Object.freeze([
  Object.freeze({ code: "en_US", label: "English" }),
  Object.freeze({ code: "de", label: "Deutsch" }),
]);

/** The demo's translations: its strings are written in en_US; de.csv translates them. */
export function createTranslations() {
  const translations = new Translations({ defaultLocale: "en_US" });
  translations.loadTranslations(LOCALE_PATH);
  return translations;
}

/**
 * The code of a language of the switch, or null (a cookie value is the client's to send, so it
 * is only ever compared, never used as given).
 * @param {unknown} value
 */
export function languageCode(value) {
  return LANGUAGES.find((l) => l.code === value)?.code ?? null;
}
