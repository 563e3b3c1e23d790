// Locale: one language's translate/pgettext and its date, list and number formatting (Tornado's Locale).

import { MONTH_MESSAGES, WEEKDAY_MESSAGES } from "./builtin-messages.js";
import { type Catalog, EMPTY_CATALOG } from "./catalog.js";
import {
  type DateWords,
  type FormatDateOptions,
  type FormatDayOptions,
  formatDate,
  formatDay,
} from "./format-date.js";
import { interpolate } from "./interpolate.js";
import { intlLanguageName, intlMonthNames, intlWeekdayNames, isRtl } from "./intl-names.js";
import { isLocaleCode, LOCALE_CODE_PATTERN, toLanguageTag } from "./locale-code.js";

function checkCount(what: string, count: unknown): number {
  if (typeof count !== "number") {
    throw new TypeError(
      `${what}: a plural message needs a count (a number), got ${count === undefined ? "none" : typeof count}`,
    );
  }
  if (!Number.isFinite(count)) {
    throw new RangeError(`${what}: count must be a finite number, got ${count}`);
  }
  return count;
}

function checkString(what: string, name: string, value: unknown): void {
  if (typeof value !== "string") {
    throw new TypeError(`${what}: expected ${name} to be a string, got ${typeof value}`);
  }
}

/**
 * One language: its translations and how it writes dates, lists and numbers. Get one from a
 * {@link Translations} registry (`translations.get("fr_FR", "en")`) or the module's `get()`;
 * Locales are cached per registry and immutable.
 *
 * `translate` and `pgettext` are bound to their Locale, so they can be handed out as `_` and
 * `pgettext` (template namespaces) without `bind`.
 */
export class Locale implements DateWords {
  /** The locale code, Tornado's spelling (`en_US`, `fr`). */
  readonly code: string;
  /** The BCP 47 tag (`en-US`), for `Intl` and HTML's `lang` attribute. */
  readonly tag: string;
  /** The language's name in itself ("Français (France)"), or "Unknown". */
  readonly name: string;
  /** Whether the language is written right to left (HTML's `dir="rtl"`). */
  readonly rtl: boolean;
  /** Month names, January first: the catalog's translations of "January"…, else `Intl`'s. */
  readonly months: readonly string[];
  /** Weekday names, Monday first: the catalog's translations of "Monday"…, else `Intl`'s. */
  readonly weekdays: readonly string[];

  private readonly catalog: Catalog;
  private numberFormat: Intl.NumberFormat | undefined = undefined;

  /**
   * @param code - a locale code matching {@link LOCALE_CODE_PATTERN} (`en_US`, `pt_BR`, `fr`).
   * @param catalog - its translations (none by default: every message is returned as given).
   * @throws RangeError when `code` is not a locale code.
   */
  constructor(code: string, catalog: Catalog = EMPTY_CATALOG) {
    if (typeof code !== "string" || !isLocaleCode(code)) {
      throw new RangeError(
        `Locale: expected a locale code like "en_US" or "fr" (${LOCALE_CODE_PATTERN}), got ${JSON.stringify(code)}`,
      );
    }
    this.code = code;
    this.catalog = catalog;
    this.tag = toLanguageTag(code);
    this.name = intlLanguageName(this.tag);
    this.rtl = isRtl(code);
    this.translate = this.translate.bind(this);
    this.pgettext = this.pgettext.bind(this);
    const intlMonths = intlMonthNames(this.tag);
    const intlWeekdays = intlWeekdayNames(this.tag);
    this.months = Object.freeze(MONTH_MESSAGES.map((m, i) => catalog.gettext(m) ?? intlMonths[i]));
    this.weekdays = Object.freeze(
      WEEKDAY_MESSAGES.map((d, i) => catalog.gettext(d) ?? intlWeekdays[i]),
    );
  }

  /**
   * The translation of `message` (Tornado's `Locale.translate`). With `pluralMessage`, `count`
   * is required and chooses the form: the catalog's plural rule for gettext catalogs, `count ===
   * 1` for CSV files. Without a translation, returns `message` when `count` is 1 (or absent) and
   * `pluralMessage` otherwise. Fill placeholders with {@link interpolate}.
   *
   * @throws TypeError when a message is not a string or a plural message comes without a count.
   * @throws RangeError when `count` is NaN or infinite.
   */
  translate(message: string, pluralMessage?: string, count?: number): string {
    checkString("translate", "message", message);
    if (pluralMessage === undefined) {
      return this.catalog.gettext(message) ?? message;
    }
    checkString("translate", "pluralMessage", pluralMessage);
    const n = checkCount("translate", count);
    return this.catalog.ngettext(message, pluralMessage, n) ?? (n === 1 ? message : pluralMessage);
  }

  /**
   * The translation of `message` in `context` (gettext's `msgctxt`), e.g. `pgettext("law",
   * "right")` and `pgettext("good", "right")`, with plurals as in {@link Locale.translate}.
   * Without a translation in that context the source message is returned (GNU gettext's rule;
   * Tornado's plural form falls back to the context-free translation instead). CSV catalogs have
   * no contexts and translate as `translate` does.
   *
   * @throws TypeError / RangeError as {@link Locale.translate}.
   */
  pgettext(context: string, message: string, pluralMessage?: string, count?: number): string {
    checkString("pgettext", "context", context);
    checkString("pgettext", "message", message);
    if (pluralMessage === undefined) {
      return this.catalog.pgettext(context, message) ?? message;
    }
    checkString("pgettext", "pluralMessage", pluralMessage);
    const n = checkCount("pgettext", count);
    return (
      this.catalog.npgettext(context, message, pluralMessage, n) ??
      (n === 1 ? message : pluralMessage)
    );
  }

  /**
   * A date as Tornado's `format_date` writes it: relative ("1 second ago", "3 minutes ago",
   * "yesterday at 6:35 pm", "Monday at 18:35", "April 28 at 18:35") or, with `relative: false`
   * or `fullFormat: true`, absolute ("April 28, 2013 at 6:35 pm"). Every phrase goes through this
   * locale's translations (the `BUILTIN_MESSAGES`). Pass `now` to fix the reference time.
   *
   * @param date - a `Date` or milliseconds since the epoch (not Tornado's seconds).
   * @throws TypeError / RangeError for a date or option that is not valid.
   */
  formatDate(date: Date | number, options?: FormatDateOptions): string {
    return formatDate(this, date, options);
  }

  /**
   * A day as Tornado's `format_day` writes it: "Sunday, April 28", or "April 28" with `dow:
   * false`.
   *
   * @throws TypeError / RangeError for a date or option that is not valid.
   */
  formatDay(date: Date | number, options?: FormatDayOptions): string {
    return formatDay(this, date, options);
  }

  /**
   * A list as Tornado's `Locale.list` writes it: `""`, `"A"`, `"A and B"`, `"A, B and C"`, the
   * last join being this locale's translation of `"%(commas)s and %(last)s"` (Persian joins the
   * others with " و ", as in Tornado).
   *
   * @throws TypeError when `parts` is not an array.
   */
  list(parts: readonly string[]): string {
    if (!Array.isArray(parts)) {
      throw new TypeError(`list: expected an array of strings, got ${typeof parts}`);
    }
    if (parts.length === 0) return "";
    if (parts.length === 1) return String(parts[0]);
    const comma = this.code === "fa" || this.code.startsWith("fa_") ? " \u0648 " : ", ";
    return interpolate(this.translate("%(commas)s and %(last)s"), {
      commas: parts.slice(0, -1).join(comma),
      last: String(parts[parts.length - 1]),
    });
  }

  /**
   * A number with this locale's digit grouping, from `Intl.NumberFormat` ("1,000,000" in
   * English, "1.000.000" in German, "1 000 000" in French; up to three decimals). Tornado
   * groups English numbers only and leaves the others bare.
   *
   * @throws TypeError when `value` is not a number or bigint; RangeError when it is NaN or infinite.
   */
  friendlyNumber(value: number | bigint): string {
    if (typeof value !== "number" && typeof value !== "bigint") {
      throw new TypeError(`friendlyNumber: expected a number, got ${typeof value}`);
    }
    if (typeof value === "number" && !Number.isFinite(value)) {
      throw new RangeError(`friendlyNumber: expected a finite number, got ${value}`);
    }
    this.numberFormat ??= new Intl.NumberFormat(this.tag);
    return this.numberFormat.format(value);
  }
}
