// The messages a Locale itself translates (date phrases, month and day names, "and"): list them in your catalogs.

/**
 * Every message `formatDate`, `formatDay` and `list` pass through the locale's translations,
 * as `[message]` or `[singular, plural]` — Tornado's own strings, so that a Tornado app's
 * translation files keep working. Add them to a `.po` template (or CSV file) to translate date
 * phrases; month and weekday names missing from a catalog come from `Intl` instead.
 */
export const BUILTIN_MESSAGES: readonly (readonly [string] | readonly [string, string])[] =
  Object.freeze([
    ["1 second ago", "%(seconds)d seconds ago"],
    ["1 minute ago", "%(minutes)d minutes ago"],
    ["1 hour ago", "%(hours)d hours ago"],
    ["%(time)s"],
    ["yesterday"],
    ["yesterday at %(time)s"],
    ["%(weekday)s"],
    ["%(weekday)s at %(time)s"],
    ["%(month_name)s %(day)s"],
    ["%(month_name)s %(day)s at %(time)s"],
    ["%(month_name)s %(day)s, %(year)s"],
    ["%(month_name)s %(day)s, %(year)s at %(time)s"],
    ["%(weekday)s, %(month_name)s %(day)s"],
    ["%(commas)s and %(last)s"],
    ["January"],
    ["February"],
    ["March"],
    ["April"],
    ["May"],
    ["June"],
    ["July"],
    ["August"],
    ["September"],
    ["October"],
    ["November"],
    ["December"],
    ["Monday"],
    ["Tuesday"],
    ["Wednesday"],
    ["Thursday"],
    ["Friday"],
    ["Saturday"],
    ["Sunday"],
  ] as const);

/** The English month names, January first (message ids of the catalogs). */
export const MONTH_MESSAGES: readonly string[] = Object.freeze([
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
]);

/** The English weekday names, Monday first as in Python's `weekday()` (message ids). */
export const WEEKDAY_MESSAGES: readonly string[] = Object.freeze([
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
  "Sunday",
]);
