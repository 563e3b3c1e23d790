// Tornado's format_date and format_day: relative phrases ("3 minutes ago", "yesterday at 6:35 pm") and absolute dates.

import { interpolate } from "./interpolate.js";

/** What the date formatter needs of a locale (a {@link Locale} provides it). */
export interface DateWords {
  /** The locale code (`en_US`); decides the 12- or 24-hour clock as Tornado does. */
  readonly code: string;
  /** Month names, January first. */
  readonly months: readonly string[];
  /** Weekday names, Monday first. */
  readonly weekdays: readonly string[];
  /** The locale's translate. */
  translate(message: string, pluralMessage?: string, count?: number): string;
}

/** Options of `Locale.formatDate`. */
export interface FormatDateOptions {
  /**
   * Minutes the displayed time zone is *behind* UTC, the sign `Date.prototype.getTimezoneOffset`
   * uses (and Tornado's `gmt_offset`): 300 for UTC−5, −60 for UTC+1. Default 0 (UTC).
   */
  gmtOffsetMin?: number;
  /** Relative phrases for recent dates ("2 minutes ago", "yesterday"). Default true. */
  relative?: boolean;
  /** Leave the time out of day-level phrases ("yesterday", "April 28"). Default false. */
  shorter?: boolean;
  /** Always the full date with the year ("April 28, 2013 at 6:35 pm"). Default false. */
  fullFormat?: boolean;
  /** The current time, a `Date` or milliseconds since the epoch. Default `Date.now()`. */
  now?: Date | number;
}

/** Options of `Locale.formatDay`. */
export interface FormatDayOptions {
  /** As in {@link FormatDateOptions.gmtOffsetMin}. Default 0. */
  gmtOffsetMin?: number;
  /** Start with the day of the week ("Sunday, April 28"). Default true. */
  dow?: boolean;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * Milliseconds since the epoch of a `Date` or a number (already milliseconds, JavaScript's unit,
 * unlike Tornado's seconds).
 */
export function toEpochMs(value: Date | number, what: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== "number") {
    throw new TypeError(
      `${what}: expected a Date or milliseconds since the epoch, got ${typeof value}`,
    );
  }
  if (!Number.isFinite(ms)) {
    throw new RangeError(`${what}: expected a valid date, got ${String(value)}`);
  }
  return ms;
}

function offsetMs(gmtOffsetMin: number | undefined, what: string): number {
  if (gmtOffsetMin === undefined) return 0;
  if (
    typeof gmtOffsetMin !== "number" ||
    !Number.isFinite(gmtOffsetMin) ||
    Math.abs(gmtOffsetMin) > 1440
  ) {
    throw new RangeError(
      `${what}: gmtOffsetMin must be minutes in -1440..1440, got ${String(gmtOffsetMin)}`,
    );
  }
  return gmtOffsetMin * MINUTE_MS;
}

// Python 3's round(): halves go to the even neighbour (round(2.5) == 2), so that "2 minutes ago"
// appears where Tornado shows it.
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return x - Math.trunc(x) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// Tornado's clock: 12-hour "6:35 pm" for English, "下午6:35" for zh_CN, 24-hour "18:35" elsewhere.
function timeOfDay(code: string, local: Date): string {
  const hour = local.getUTCHours();
  const minute = String(local.getUTCMinutes()).padStart(2, "0");
  if (code === "en" || code === "en_US") {
    return `${hour % 12 || 12}:${minute} ${hour >= 12 ? "pm" : "am"}`;
  }
  if (code === "zh_CN") {
    return `${hour >= 12 ? "\u4e0b\u5348" : "\u4e0a\u5348"}${hour % 12 || 12}:${minute}`;
  }
  return `${hour}:${minute}`;
}

/**
 * Tornado's `Locale.format_date`. Dates up to a minute in the future count as now in relative
 * mode (clock skew); later ones get the full format. Relative phrases within the last 24 hours
 * are "N seconds/minutes/hours ago"; then "yesterday", the weekday (within 5 days), the month
 * and day (within 334 days), and the full date. Every phrase goes through `translate`.
 */
export function formatDate(
  words: DateWords,
  date: Date | number,
  options: FormatDateOptions = {},
): string {
  let dateMs = toEpochMs(date, "formatDate");
  const nowMs = options.now === undefined ? Date.now() : toEpochMs(options.now, "formatDate: now");
  const offset = offsetMs(options.gmtOffsetMin, "formatDate");
  const relative = options.relative ?? true;
  const shorter = options.shorter ?? false;
  let fullFormat = options.fullFormat ?? false;

  if (dateMs > nowMs) {
    // Tornado compares timedelta.seconds, which ignores whole days; the intent is "under a minute".
    if (relative && dateMs - nowMs < MINUTE_MS) dateMs = nowMs;
    else fullFormat = true;
  }
  const local = new Date(dateMs - offset);
  const localYesterday = new Date(nowMs - offset - DAY_MS);
  const differenceMs = nowMs - dateMs;
  const days = Math.floor(differenceMs / DAY_MS);
  const seconds = Math.floor((differenceMs - days * DAY_MS) / SECOND_MS);

  const _ = (m: string, p?: string, c?: number): string => words.translate(m, p, c);
  let format: string | undefined;
  if (!fullFormat) {
    if (relative && days === 0) {
      if (seconds < 50) {
        return interpolate(_("1 second ago", "%(seconds)d seconds ago", seconds), { seconds });
      }
      if (seconds < 50 * 60) {
        const minutes = roundHalfEven(seconds / 60);
        return interpolate(_("1 minute ago", "%(minutes)d minutes ago", minutes), { minutes });
      }
      const hours = roundHalfEven(seconds / 3600);
      return interpolate(_("1 hour ago", "%(hours)d hours ago", hours), { hours });
    }
    if (days === 0) {
      format = _("%(time)s");
    } else if (days === 1 && relative && local.getUTCDate() === localYesterday.getUTCDate()) {
      format = shorter ? _("yesterday") : _("yesterday at %(time)s");
    } else if (days < 5) {
      format = shorter ? _("%(weekday)s") : _("%(weekday)s at %(time)s");
    } else if (days < 334) {
      // 11 months: "April 28" for last year's April would be confusing.
      format = shorter ? _("%(month_name)s %(day)s") : _("%(month_name)s %(day)s at %(time)s");
    }
  }
  if (format === undefined) {
    format = shorter
      ? _("%(month_name)s %(day)s, %(year)s")
      : _("%(month_name)s %(day)s, %(year)s at %(time)s");
  }
  return interpolate(format, {
    month_name: words.months[local.getUTCMonth()],
    weekday: words.weekdays[(local.getUTCDay() + 6) % 7],
    day: String(local.getUTCDate()),
    year: String(local.getUTCFullYear()),
    time: timeOfDay(words.code, local),
  });
}

/** Tornado's `Locale.format_day`: "Monday, January 22", or "January 22" with `dow: false`. */
export function formatDay(
  words: DateWords,
  date: Date | number,
  options: FormatDayOptions = {},
): string {
  const local = new Date(
    toEpochMs(date, "formatDay") - offsetMs(options.gmtOffsetMin, "formatDay"),
  );
  const _ = (m: string): string => words.translate(m);
  const values = {
    month_name: words.months[local.getUTCMonth()],
    weekday: words.weekdays[(local.getUTCDay() + 6) % 7],
    day: String(local.getUTCDate()),
  };
  return (options.dow ?? true)
    ? interpolate(_("%(weekday)s, %(month_name)s %(day)s"), values)
    : interpolate(_("%(month_name)s %(day)s"), values);
}
