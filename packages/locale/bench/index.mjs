// Micro-benchmarks of @t/locale's per-request calls: translate() against a bare Map lookup, Accept-Language, get().
// Run with `pnpm --filter @t/locale bench` (takes /tmp/bench.lock); build first.

import { fileURLToPath } from "node:url";
import { parseAcceptLanguage, Translations } from "../dist/index.js";

const ITERATIONS = 2_000_000;
const fixtures = fileURLToPath(new URL("../test/fixtures/gettext", import.meta.url));
const translations = new Translations();
translations.loadGettextTranslations(fixtures, "app");
const fr = translations.get("fr_FR");
const map = new Map([["school", "école"]]);
const header = "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5";

let sink = 0;
function bench(name, fn) {
  for (let i = 0; i < ITERATIONS / 10; i++) sink += fn().length; // warm up
  const best = [];
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < ITERATIONS; i++) sink += fn().length;
    best.push(Number(process.hrtime.bigint() - start) / ITERATIONS);
  }
  best.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(48)} ${best[0].toFixed(1).padStart(7)} ns/call (best of 5 × ${ITERATIONS})`,
  );
}

bench("Map.get (baseline)", () => map.get("school") ?? "school");
bench("locale.translate(message)", () => fr.translate("school"));
bench("locale.translate(miss)", () => fr.translate("not there"));
bench("locale.translate(singular, plural, 5)", () => fr.translate("%(n)d file", "%(n)d files", 5));
bench("locale.pgettext(context, message)", () => fr.pgettext("law", "right"));
bench("parseAcceptLanguage (5 entries)", () => parseAcceptLanguage(header));
bench(
  "translations.fromAcceptLanguage (5 entries)",
  () => translations.fromAcceptLanguage(header).code,
);
bench("locale.formatDate (relative)", () => fr.formatDate(1_000_000, { now: 1_090_000 }));
if (sink === 0) console.log(sink);
console.log(`node ${process.version}, ${process.platform}-${process.arch}`);
