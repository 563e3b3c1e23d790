// Locale codes: Tornado's `ll_CC` spelling, how a requested code is normalized, and its BCP 47 tag.

/**
 * A locale code as this package stores it: a lowercase language, optionally `_` and an
 * uppercase region or variant (`en`, `en_US`, `pt_BR`, `es_419`). Translation files are named
 * with it (`fr_FR.csv`, `fr_FR/LC_MESSAGES/app.mo`).
 */
export const LOCALE_CODE_PATTERN: RegExp = /^[a-z]{1,8}(?:_[A-Z0-9]{1,8})?$/;

/** Whether `code` is spelled as {@link LOCALE_CODE_PATTERN} requires. */
export function isLocaleCode(code: string): boolean {
  return LOCALE_CODE_PATTERN.test(code);
}

/**
 * What {@link normalizeRequestedCode} makes of one requested code: the exact code to try first
 * and its language alone to try next.
 */
export interface RequestedCode {
  /** `ll_CC` (or `ll` when only a language was given). */
  readonly exact: string;
  /** The language alone, lowercase. */
  readonly language: string;
}

/**
 * Normalizes a requested code as Tornado's `Locale.get_closest` does: hyphens become
 * underscores, `ll-cc` becomes `ll_CC`, a lone language is lowercased. A code of three or more
 * parts (`zh-Hant-TW`) is tried by its language only (Tornado skips it). Returns null for an
 * empty code or one that is not a language tag at all.
 */
export function normalizeRequestedCode(code: string): RequestedCode | null {
  if (code === "" || code.length > 35) return null;
  const parts = code.replace(/-/g, "_").split("_");
  const language = parts[0].toLowerCase();
  if (!/^[a-z]{1,8}$/.test(language)) return null;
  if (parts.length === 2 && /^[A-Za-z0-9]{1,8}$/.test(parts[1])) {
    return { exact: `${language}_${parts[1].toUpperCase()}`, language };
  }
  return { exact: language, language };
}

/**
 * The BCP 47 tag of a locale code (`pt_BR` → `pt-BR`), for `Intl` and HTML's `lang`. A code that
 * `Intl` does not accept gives `en`, whose names and numbers are then used.
 */
export function toLanguageTag(code: string): string {
  const tag = code.replace(/_/g, "-");
  try {
    return Intl.getCanonicalLocales(tag)[0] ?? "en";
  } catch {
    return "en";
  }
}
