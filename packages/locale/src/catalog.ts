// The lookup interface a Locale asks its translations through (CSV, gettext, or your own).

/**
 * One language's translations, as a {@link Locale} queries them. Each method returns the
 * translation, or `undefined` when the catalog has none (the Locale then uses the source
 * message, as Tornado does). Implement it to serve translations from elsewhere (a database)
 * and pass it to `Translations.addCatalog`.
 */
export interface Catalog {
  /** The translation of `message`, without plural or context. */
  gettext(message: string): string | undefined;
  /**
   * The translation of `message` / `pluralMessage` for `count`; `count` is a finite number
   * (gettext catalogs choose the form by its absolute integer part).
   */
  ngettext(message: string, pluralMessage: string, count: number): string | undefined;
  /** The translation of `message` in `context` (gettext's `msgctxt`). */
  pgettext(context: string, message: string): string | undefined;
  /** The translation of `message` / `pluralMessage` in `context` for `count`. */
  npgettext(
    context: string,
    message: string,
    pluralMessage: string,
    count: number,
  ): string | undefined;
}

/** A catalog with no translations: every lookup misses. */
export const EMPTY_CATALOG: Catalog = Object.freeze({
  gettext: () => undefined,
  ngettext: () => undefined,
  pgettext: () => undefined,
  npgettext: () => undefined,
});
