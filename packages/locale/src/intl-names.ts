// Month, weekday and language names from Intl, for locales whose catalog does not translate them.

const RTL_LANGUAGES = new Set([
  "ar",
  "arc",
  "ckb",
  "dv",
  "fa",
  "he",
  "ku",
  "ps",
  "sd",
  "ug",
  "ur",
  "yi",
]);

/**
 * Whether the language of `code` is written right to left. Tornado checks the prefixes `fa`,
 * `ar` and `he`; this checks the whole language subtag against the languages of right-to-left
 * scripts (Arabic, Persian, Hebrew, Urdu, Pashto, Sindhi, Sorani Kurdish, Uyghur, Dhivehi,
 * Yiddish, Aramaic).
 */
export function isRtl(code: string): boolean {
  const underscore = code.indexOf("_");
  return RTL_LANGUAGES.has(underscore < 0 ? code : code.slice(0, underscore));
}

/**
 * The twelve Gregorian month names in `tag`'s language, January first, in the form used next
 * to a day number (Russian "апреля", Polish "kwietnia"), which is how Tornado's formats use them;
 * languages that write that form as a number (Chinese, Japanese) get the standalone name.
 */
export function intlMonthNames(tag: string): string[] {
  const withDay = new Intl.DateTimeFormat(tag, {
    month: "long",
    day: "numeric",
    timeZone: "UTC",
    calendar: "gregory",
  });
  const alone = new Intl.DateTimeFormat(tag, {
    month: "long",
    timeZone: "UTC",
    calendar: "gregory",
  });
  const names: string[] = [];
  for (let m = 0; m < 12; m++) {
    const when = Date.UTC(2001, m, 15);
    const part = withDay.formatToParts(when).find((p) => p.type === "month")?.value;
    names.push(part !== undefined && !/\p{Nd}/u.test(part) ? part : alone.format(when));
  }
  return names;
}

/** The seven weekday names in `tag`'s language, Monday first (Python's `weekday()` order). */
export function intlWeekdayNames(tag: string): string[] {
  const format = new Intl.DateTimeFormat(tag, { weekday: "long", timeZone: "UTC" });
  const names: string[] = [];
  // 2001-01-01 was a Monday.
  for (let d = 0; d < 7; d++) names.push(format.format(Date.UTC(2001, 0, 1 + d)));
  return names;
}

/**
 * The name of the language of `tag` in that language, first letter capitalized ("Español",
 * "Français (France)", "English (United States)"), or "Unknown" as Tornado says for a language
 * `Intl` does not know.
 */
export function intlLanguageName(tag: string): string {
  let name: string | undefined;
  try {
    name = new Intl.DisplayNames([tag], {
      type: "language",
      languageDisplay: "standard",
      fallback: "none",
    }).of(tag);
  } catch {
    name = undefined;
  }
  if (name === undefined || name === "") return "Unknown";
  return name.charAt(0).toLocaleUpperCase(tag) + name.slice(1);
}
