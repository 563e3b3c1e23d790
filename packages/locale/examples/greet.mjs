// The README's example: Tornado-format CSV translations, the browser's language, dates and numbers.
import { fileURLToPath } from "node:url";
import { defaultTranslations, interpolate, loadTranslations } from "@t/locale";

loadTranslations(fileURLToPath(new URL("translations", import.meta.url))); // es.csv

// What RequestHandler.getBrowserLocale() does with the request's Accept-Language header:
const locale = defaultTranslations.fromAcceptLanguage("es-MX,es;q=0.9,en;q=0.5");
const _ = locale.translate;

const people = ["Ana", "Luis", "Marta"];
const online = _("%(list)s is online", "%(list)s are online", people.length);
console.log(locale.code, locale.name);
console.log(interpolate(online, { list: locale.list(people) }));

const now = Date.UTC(2026, 0, 15, 12, 0); // pass `now` for a reproducible output
console.log(locale.formatDate(now - 3 * 60_000, { now }));
console.log(locale.formatDate(now - 24 * 3_600_000, { now }));
console.log(locale.friendlyNumber(1234567));
