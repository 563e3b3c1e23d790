// The package's default Translations instance and Tornado's module-level functions on it.

import type { Locale } from "./locale.js";
import { type LoadTranslationsOptions, Translations } from "./translations.js";

/**
 * The registry the module-level functions use (Tornado's `tornado.locale` module state). Make
 * your own `new Translations()` to keep translations apart (tests, several applications).
 */
export const defaultTranslations: Translations = new Translations();

/**
 * The closest supported Locale for the codes, tried in order, else the default locale
 * (Tornado's `tornado.locale.get`). See {@link Translations.get}.
 */
export function get(...codes: string[]): Locale {
  return defaultTranslations.get(...codes);
}

/** Same as {@link get} (Tornado's `Locale.get_closest`). */
export function getClosest(...codes: string[]): Locale {
  return defaultTranslations.get(...codes);
}

/** Loads `LOCALE.csv` files into the default registry. See {@link Translations.loadTranslations}. */
export function loadTranslations(directory: string, options?: LoadTranslationsOptions): void {
  defaultTranslations.loadTranslations(directory, options);
}

/**
 * Loads a gettext locale tree into the default registry. See
 * {@link Translations.loadGettextTranslations}.
 */
export function loadGettextTranslations(directory: string, domain: string): void {
  defaultTranslations.loadGettextTranslations(directory, domain);
}

/** The default registry's supported codes. See {@link Translations.getSupportedLocales}. */
export function getSupportedLocales(): readonly string[] {
  return defaultTranslations.getSupportedLocales();
}

/** Sets the default registry's default locale. See {@link Translations.setDefaultLocale}. */
export function setDefaultLocale(code: string): void {
  defaultTranslations.setDefaultLocale(code);
}
