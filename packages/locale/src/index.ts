// Public API of @t/locale: Tornado's tornado.locale (translations, closest locale, dates, lists, numbers).

export {
  ACCEPT_LANGUAGE_MAX_ENTRIES,
  ACCEPT_LANGUAGE_MAX_LENGTH,
  type AcceptLanguageOptions,
  parseAcceptLanguage,
} from "./accept-language.js";
export { BUILTIN_MESSAGES } from "./builtin-messages.js";
export { type Catalog, EMPTY_CATALOG } from "./catalog.js";
export { CsvCatalog } from "./csv-catalog.js";
export {
  defaultTranslations,
  get,
  getClosest,
  getSupportedLocales,
  loadGettextTranslations,
  loadTranslations,
  setDefaultLocale,
} from "./default-translations.js";
export { ERROR_CODES, LocaleError, PluralFormsError, TranslationFileError } from "./errors.js";
export type { FormatDateOptions, FormatDayOptions } from "./format-date.js";
export { GettextCatalog } from "./gettext-catalog.js";
export { interpolate } from "./interpolate.js";
export { Locale } from "./locale.js";
export { isLocaleCode, LOCALE_CODE_PATTERN } from "./locale-code.js";
export {
  PLURAL_FORMS_MAX_DEPTH,
  PLURAL_FORMS_MAX_LENGTH,
  PLURAL_FORMS_MAX_NPLURALS,
  type PluralForms,
  parsePluralForms,
} from "./plural-forms.js";
export {
  type LoadTranslationsOptions,
  Translations,
  type TranslationsOptions,
} from "./translations.js";
