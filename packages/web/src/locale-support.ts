// The translations setting and the checks on a handler's locale (what @t/web uses of @t/locale).

import { defaultTranslations, type Locale, type Translations } from "@t/locale";
import { isPromiseLike } from "./promise-like.js";

/**
 * The `translations` setting, or @t/locale's `defaultTranslations` when it is unset. A value of
 * another shape is a TypeError (checked by shape, so that another installed copy's
 * `Translations` is accepted).
 */
export function resolveTranslations(setting: unknown): Translations {
  if (setting === undefined) return defaultTranslations;
  if (
    setting === null ||
    typeof setting !== "object" ||
    typeof (setting as { fromAcceptLanguage?: unknown }).fromAcceptLanguage !== "function" ||
    typeof (setting as { get?: unknown }).get !== "function"
  ) {
    throw new TypeError(
      "the translations setting must be a Translations of @t/locale (e.g. new Translations() after loadTranslations)",
    );
  }
  return setting as Translations;
}

/** True for a Locale (by shape: bound `translate` and `pgettext`, a `code`). */
function isLocale(v: unknown): v is Locale {
  return (
    v !== null &&
    typeof v === "object" &&
    typeof (v as { translate?: unknown }).translate === "function" &&
    typeof (v as { pgettext?: unknown }).pgettext === "function" &&
    typeof (v as { code?: unknown }).code === "string"
  );
}

/**
 * What `getUserLocale()` returned, checked: a Locale, or null (ask the browser). A Promise is a
 * TypeError that says where to await instead (the hook is synchronous, as Tornado's).
 */
export function checkUserLocale(value: unknown): Locale | null {
  if (value === null || value === undefined) return null;
  if (isLocale(value)) return value;
  if (isPromiseLike(value)) {
    throw new TypeError(
      "getUserLocale() must return a Locale or null, not a Promise: to look the locale up asynchronously, assign this.locale in prepare()",
    );
  }
  throw new TypeError(
    `getUserLocale() must return a Locale of @t/locale or null, got ${typeof value}`,
  );
}

/** A value assigned to `handler.locale`, checked. */
export function checkLocale(value: unknown): Locale {
  if (!isLocale(value)) {
    throw new TypeError(
      'handler.locale must be a Locale of @t/locale (e.g. translations.get("fr"))',
    );
  }
  return value;
}
