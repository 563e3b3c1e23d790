// formatDate and formatDay: Tornado's phrases at fixed times (`now` is passed, never read from the clock).

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Locale, Translations } from "../src/index.js";
import { FIXTURES } from "./helpers.js";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// Sunday 28 April 2013, 18:35 UTC — the date of Tornado's EnglishTest.
const NOW = Date.UTC(2013, 3, 28, 18, 35);

const en = new Locale("en_US");
const ago = (ms: number, options: Parameters<Locale["formatDate"]>[1] = {}, locale = en) =>
  locale.formatDate(NOW - ms, { now: NOW, ...options });

describe("formatDate, English (Tornado's EnglishTest)", () => {
  it("writes the full format with a 12-hour clock", () => {
    expect(en.formatDate(new Date(NOW), { fullFormat: true, now: NOW })).toBe(
      "April 28, 2013 at 6:35 pm",
    );
    expect(en.formatDate(Date.UTC(2013, 0, 5, 0, 7), { fullFormat: true, now: NOW })).toBe(
      "January 5, 2013 at 12:07 am",
    );
  });

  it("says seconds ago under 50 s, minutes under 50 min, hours within the day", () => {
    expect(ago(0)).toBe("0 seconds ago");
    expect(ago(1 * SECOND)).toBe("1 second ago");
    expect(ago(2 * SECOND)).toBe("2 seconds ago");
    expect(ago(49 * SECOND + 999)).toBe("49 seconds ago");
    expect(ago(50 * SECOND)).toBe("1 minute ago");
    expect(ago(2 * MINUTE)).toBe("2 minutes ago");
    expect(ago(49 * MINUTE + 59 * SECOND)).toBe("50 minutes ago");
    expect(ago(50 * MINUTE)).toBe("1 hour ago");
    expect(ago(2 * HOUR)).toBe("2 hours ago");
    expect(ago(DAY - SECOND)).toBe("24 hours ago");
  });

  it("rounds halves to even as Python's round() does (90 s and 150 s are both 2 minutes)", () => {
    expect(ago(90 * SECOND)).toBe("2 minutes ago");
    expect(ago(150 * SECOND)).toBe("2 minutes ago");
    expect(ago(210 * SECOND)).toBe("4 minutes ago");
    expect(ago(5400 * SECOND)).toBe("2 hours ago");
  });

  it("says yesterday, then the weekday, then month and day, then the full date", () => {
    expect(ago(DAY, { shorter: true })).toBe("yesterday");
    expect(ago(DAY)).toBe("yesterday at 6:35 pm");
    expect(ago(2 * DAY, { shorter: true })).toBe("Friday");
    expect(ago(4 * DAY)).toBe("Wednesday at 6:35 pm");
    expect(ago(5 * DAY, { shorter: true })).toBe("April 23");
    expect(ago(300 * DAY, { shorter: true })).toBe("July 2");
    expect(ago(333 * DAY)).toBe("May 30 at 6:35 pm");
    expect(ago(334 * DAY, { shorter: true })).toBe("May 29, 2012");
    expect(ago(500 * DAY, { shorter: true })).toBe("December 15, 2011");
  });

  it("says 'yesterday' only for the previous calendar day in the displayed zone", () => {
    const now = Date.UTC(2013, 3, 28, 0, 30);
    const date = Date.UTC(2013, 3, 26, 23, 0); // 25.5 h earlier, two calendar days back
    expect(en.formatDate(date, { now })).toBe("Friday at 11:00 pm");
  });

  it("without relative, writes the time alone for today and no 'yesterday'", () => {
    expect(ago(2 * HOUR, { relative: false })).toBe("4:35 pm");
    expect(ago(DAY, { relative: false })).toBe("Saturday at 6:35 pm");
  });

  it("counts a date up to a minute ahead as now, and writes later ones in full", () => {
    expect(en.formatDate(NOW + 30 * SECOND, { now: NOW })).toBe("0 seconds ago");
    expect(en.formatDate(NOW + 2 * MINUTE, { now: NOW })).toBe("April 28, 2013 at 6:37 pm");
    // Tornado compares timedelta.seconds and would call this "now"; it is a day ahead.
    expect(en.formatDate(NOW + DAY + 30 * SECOND, { now: NOW })).toBe("April 29, 2013 at 6:35 pm");
    expect(en.formatDate(NOW + 30 * SECOND, { now: NOW, relative: false })).toBe(
      "April 28, 2013 at 6:35 pm",
    );
  });

  it("shows the time in the zone gmtOffsetMin describes (getTimezoneOffset's sign)", () => {
    expect(ago(DAY, { gmtOffsetMin: 300 })).toBe("yesterday at 1:35 pm");
    expect(ago(0, { gmtOffsetMin: -120, fullFormat: true })).toBe("April 28, 2013 at 8:35 pm");
    expect(ago(0, { gmtOffsetMin: -360, fullFormat: true })).toBe("April 29, 2013 at 12:35 am");
  });

  it("takes the current time from the clock when now is not given", () => {
    expect(en.formatDate(Date.UTC(2001, 8, 9, 1, 46, 40), { shorter: true })).toBe(
      "September 9, 2001",
    );
  });

  it("refuses what is not a date or an offset with TypeError / RangeError", () => {
    expect(() => en.formatDate("yesterday" as unknown as number)).toThrow(TypeError);
    expect(() => en.formatDate(new Date(Number.NaN))).toThrow(/expected a valid date/);
    expect(() => en.formatDate(NOW, { now: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => en.formatDate(NOW, { gmtOffsetMin: 2000 })).toThrow(
      /gmtOffsetMin must be minutes/,
    );
    expect(() => en.formatDay(NOW, { gmtOffsetMin: Number.NaN })).toThrow(RangeError);
  });
});

describe("formatDate in other languages", () => {
  it("uses a 24-hour clock outside English and zh_CN's 上午/下午, as Tornado", () => {
    expect(ago(DAY, {}, new Locale("de"))).toBe("yesterday at 18:35");
    expect(ago(DAY, {}, new Locale("en_GB"))).toBe("yesterday at 18:35");
    expect(ago(DAY, {}, new Locale("zh_CN"))).toBe("yesterday at 下午6:35");
    expect(ago(DAY - 12 * HOUR, { relative: false }, new Locale("zh_CN"))).toBe("上午6:35");
  });

  it("translates the phrases through a CSV catalog, with the catalog's month name", () => {
    const t = new Translations();
    t.loadTranslations(join(FIXTURES, "csv"));
    const fr = t.get("fr_FR");
    expect(ago(60 * SECOND, {}, fr)).toBe("il y a 1 minute");
    expect(ago(5 * MINUTE, {}, fr)).toBe("il y a 5 minutes");
    expect(ago(DAY, {}, fr)).toBe("hier à 18:35");
    expect(ago(0, { fullFormat: true }, fr)).toBe("28 Avril 2013 à 18:35");
    // Not in the catalog: the English phrase with Intl's French weekday.
    expect(ago(2 * DAY, {}, fr)).toBe("vendredi at 18:35");
  });

  it("translates the phrases through a gettext catalog, plurals by the catalog's rule", () => {
    const t = new Translations();
    t.loadGettextTranslations(join(FIXTURES, "gettext"), "app");
    const fr = t.get("fr_FR");
    expect(ago(0, {}, fr)).toBe("il y a 0 seconde"); // French: 0 is singular
    expect(ago(1 * SECOND, {}, fr)).toBe("il y a 1 seconde");
    expect(ago(7 * SECOND, {}, fr)).toBe("il y a 7 secondes");
    const wednesday = Date.UTC(2013, 3, 24, 18, 35);
    expect(fr.formatDate(Date.UTC(2013, 3, 22, 9, 5), { now: wednesday })).toBe("Lundi à 9:05");
  });

  it("takes month names in the form used beside a day number from Intl", () => {
    expect(new Locale("ru").months[3]).toBe("апреля");
    expect(new Locale("pl").months[0]).toBe("stycznia");
    expect(new Locale("ja").months[3]).toBe("4月");
    expect(new Locale("fa").months[3]).toBe("آوریل"); // Gregorian April, not the Persian calendar
    expect(new Locale("de").weekdays).toEqual([
      "Montag",
      "Dienstag",
      "Mittwoch",
      "Donnerstag",
      "Freitag",
      "Samstag",
      "Sonntag",
    ]);
  });
});

describe("formatDay", () => {
  it("writes the weekday, month and day (Tornado's test_format_day)", () => {
    expect(en.formatDay(Date.UTC(2013, 3, 28, 18, 35))).toBe("Sunday, April 28");
    expect(en.formatDay(Date.UTC(2013, 3, 28, 18, 35), { dow: false })).toBe("April 28");
    expect(en.formatDay(Date.UTC(2013, 3, 28, 2, 0), { gmtOffsetMin: 300 })).toBe(
      "Saturday, April 27",
    );
    expect(new Locale("de").formatDay(Date.UTC(2013, 3, 28))).toBe("Sonntag, April 28");
  });
});
