// Locale and Translations: closest-locale choice, the default locale, Accept-Language, names, lists, numbers, argument checks.

import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type Catalog,
  defaultTranslations,
  EMPTY_CATALOG,
  get,
  getClosest,
  getSupportedLocales,
  interpolate,
  Locale,
  loadTranslations,
  setDefaultLocale,
  Translations,
} from "../src/index.js";
import { FIXTURES } from "./helpers.js";

function csvTranslations(): Translations {
  const t = new Translations();
  t.loadTranslations(join(FIXTURES, "csv")); // fr_FR, es
  return t;
}

describe("Translations.get (Tornado's get_closest)", () => {
  const t = csvTranslations();

  it("matches codes exactly, with hyphens or underscores, in any case", () => {
    expect(t.get("fr_FR").code).toBe("fr_FR");
    expect(t.get("fr-FR").code).toBe("fr_FR");
    expect(t.get("FR-fr").code).toBe("fr_FR");
    expect(t.get("ES").code).toBe("es");
  });

  it("falls back from ll_CC to the language alone (es_MX → es), but not from ll to ll_CC", () => {
    expect(t.get("es_MX").code).toBe("es");
    expect(t.get("es-419").code).toBe("es");
    expect(t.get("zh-Hant-TW", "es-Latn-MX").code).toBe("es");
    expect(t.get("fr").code).toBe("en_US");
  });

  it("tries the codes in order, skipping empty and malformed ones, then the default", () => {
    expect(t.get("", "de", "x y", "es", "fr_FR").code).toBe("es");
    expect(t.get("de", "it").code).toBe("en_US");
    expect(t.get().code).toBe("en_US");
    expect(t.getClosest("de", "fr_FR").code).toBe("fr_FR");
  });

  it("returns one cached Locale per code", () => {
    expect(t.get("fr-FR")).toBe(t.get("fr_FR"));
  });

  it("lists the supported codes: the catalogs plus the default, sorted", () => {
    expect(t.getSupportedLocales()).toEqual(["en_US", "es", "fr_FR"]);
    expect(Object.isFrozen(t.getSupportedLocales())).toBe(true);
  });
});

describe("Translations default locale", () => {
  it("setDefaultLocale changes what unmatched codes get and what is supported", () => {
    const t = csvTranslations();
    t.setDefaultLocale("es");
    expect(t.defaultLocale).toBe("es");
    expect(t.get("de").code).toBe("es");
    expect(t.getSupportedLocales()).toEqual(["es", "fr_FR"]);
    t.setDefaultLocale("en-GB");
    expect(t.defaultLocale).toBe("en_GB");
    expect(t.get("en").code).toBe("en_GB");
    expect(t.get("de").translate("school")).toBe("school");
  });

  it("refuses a default that is not a locale code", () => {
    expect(() => new Translations().setDefaultLocale("not a code")).toThrow(RangeError);
    expect(() => new Translations({ defaultLocale: "" })).toThrow(/expected a locale code/);
    expect(new Translations({ defaultLocale: "de_DE" }).get("x").code).toBe("de_DE");
  });
});

describe("Translations.fromAcceptLanguage (Tornado's get_browser_locale)", () => {
  const t = csvTranslations();

  it("picks the closest supported language in q order", () => {
    expect(t.fromAcceptLanguage("de;q=0.9, es-MX;q=0.8, fr-FR;q=0.85").code).toBe("fr_FR");
    expect(t.fromAcceptLanguage("de, es-MX;q=0.8").code).toBe("es");
    expect(t.fromAcceptLanguage("fr-FR;q=0, es;q=0.1").code).toBe("es");
  });

  it("uses the fallback code, or the default locale, when the header names nothing usable", () => {
    expect(t.fromAcceptLanguage(undefined).code).toBe("en_US");
    expect(t.fromAcceptLanguage("*", "es").code).toBe("es");
    expect(t.fromAcceptLanguage("", "fr-FR").code).toBe("fr_FR");
    // As in Tornado, the fallback is for a header without languages; unsupported ones get the default.
    expect(t.fromAcceptLanguage("de, it", "es").code).toBe("en_US");
  });

  it("remembers headers, and forgets them when the supported locales change", () => {
    const t2 = csvTranslations();
    const header = "pt-BR, es;q=0.5";
    expect(t2.fromAcceptLanguage(header).code).toBe("es");
    expect(t2.fromAcceptLanguage(header)).toBe(t2.fromAcceptLanguage(header));
    t2.addCatalog("pt", EMPTY_CATALOG);
    expect(t2.fromAcceptLanguage(header).code).toBe("pt");
    t2.loadTranslations(join(FIXTURES, "csv")); // no pt any more
    expect(t2.fromAcceptLanguage(header).code).toBe("es");
    t2.setDefaultLocale("pt_BR");
    expect(t2.fromAcceptLanguage(header).code).toBe("pt_BR");
    expect(() => t2.fromAcceptLanguage(7 as unknown as string)).toThrow(TypeError);
  });
});

describe("Translations.addCatalog", () => {
  it("adds a catalog from elsewhere, keeping the loaded ones", () => {
    const t = csvTranslations();
    const shouting: Catalog = {
      ...EMPTY_CATALOG,
      gettext: (m) => m.toUpperCase(),
    };
    t.addCatalog("de", shouting);
    expect(t.get("de").translate("school")).toBe("SCHOOL");
    expect(t.get("fr_FR").translate("school")).toBe("école");
    expect(() => t.addCatalog("de-DE", shouting)).toThrow(RangeError);
    expect(() => t.addCatalog("de", { gettext: () => undefined } as unknown as Catalog)).toThrow(
      /no ngettext\(\) method/,
    );
  });
});

describe("the default registry and the module functions", () => {
  it("load, get, getClosest, getSupportedLocales and setDefaultLocale act on defaultTranslations", () => {
    loadTranslations(join(FIXTURES, "csv"));
    try {
      expect(getSupportedLocales()).toEqual(["en_US", "es", "fr_FR"]);
      expect(get("fr-FR").translate("school")).toBe("école");
      expect(getClosest("es_AR").code).toBe("es");
      setDefaultLocale("es");
      expect(get("de").code).toBe("es");
      expect(defaultTranslations.defaultLocale).toBe("es");
    } finally {
      setDefaultLocale("en_US");
      defaultTranslations.loadTranslations(join(FIXTURES, "gettext")); // no CSV: empty
    }
    expect(getSupportedLocales()).toEqual(["en_US"]);
  });
});

describe("Locale", () => {
  it("has Tornado's code, a BCP 47 tag, the language's own name and its direction", () => {
    const pt = new Locale("pt_BR");
    expect([pt.code, pt.tag, pt.name, pt.rtl]).toEqual([
      "pt_BR",
      "pt-BR",
      "Português (Brasil)",
      false,
    ]);
    expect(new Locale("es").name).toBe("Español");
    expect(new Locale("en_US").name).toBe("English (United States)");
    expect(new Locale("xx").name).toBe("Unknown");
    expect(["ar", "fa_IR", "he", "ur"].map((c) => new Locale(c).rtl)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    expect(["arn", "en", "fr"].map((c) => new Locale(c).rtl)).toEqual([false, false, false]);
  });

  it("refuses a code that is not Tornado's spelling", () => {
    for (const bad of ["pt-BR", "PT_br", "", "en_US_POSIX", "e n"]) {
      expect(() => new Locale(bad), bad).toThrow(RangeError);
    }
  });

  it("translate returns the source without translations: singular for count 1, plural otherwise", () => {
    const en = new Locale("en_US");
    expect(en.translate("school")).toBe("school");
    expect(en.translate("%(n)d file", "%(n)d files", 1)).toBe("%(n)d file");
    expect(en.translate("%(n)d file", "%(n)d files", 2)).toBe("%(n)d files");
    expect(en.pgettext("ctx", "a", "as", 0)).toBe("as");
  });

  it("translate and pgettext are bound: usable as _ and pgettext in a template namespace", () => {
    const fr = csvTranslations().get("fr_FR");
    const { translate: _, pgettext } = fr;
    expect(_("school")).toBe("école");
    expect(pgettext("x", "school")).toBe("école");
  });

  it("refuses a plural without a count, a count that is not finite, and non-string messages", () => {
    const en = new Locale("en_US");
    expect(() => en.translate("a", "as")).toThrow(/a plural message needs a count/);
    expect(() => en.translate("a", "as", Number.NaN)).toThrow(RangeError);
    expect(() => en.translate("a", "as", "2" as unknown as number)).toThrow(TypeError);
    expect(() => en.translate(3 as unknown as string)).toThrow(/expected message to be a string/);
    expect(() => en.pgettext(undefined as unknown as string, "a")).toThrow(TypeError);
  });

  it("list joins as Tornado: 'A, B and C', translated, with Persian's comma", () => {
    const en = new Locale("en_US");
    expect(en.list([])).toBe("");
    expect(en.list(["A"])).toBe("A");
    expect(en.list(["A", "B"])).toBe("A and B");
    expect(en.list(["A", "B", "C"])).toBe("A, B and C");
    expect(csvTranslations().get("fr_FR").list(["A", "B", "C"])).toBe("A, B et C");
    expect(new Locale("fa").list(["A", "B", "C"])).toBe("A و B and C");
    expect(() => en.list("ABC" as unknown as string[])).toThrow(TypeError);
  });

  it("friendlyNumber groups digits the locale's way (Intl)", () => {
    expect(new Locale("en_US").friendlyNumber(1000000)).toBe("1,000,000"); // Tornado's test
    expect(new Locale("de").friendlyNumber(1234567)).toBe("1.234.567");
    expect(new Locale("fr").friendlyNumber(1234567)).toBe("1\u202f234\u202f567");
    expect(new Locale("en").friendlyNumber(12345678901234567890n)).toBe(
      "12,345,678,901,234,567,890",
    );
    expect(new Locale("en").friendlyNumber(-1234.5)).toBe("-1,234.5");
    expect(() => new Locale("en").friendlyNumber(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => new Locale("en").friendlyNumber("12" as unknown as number)).toThrow(TypeError);
  });
});

describe("interpolate", () => {
  it("fills %(name)s and %(name)d, and writes %% as %", () => {
    expect(interpolate("%(name)s liked this", { name: "Ana" })).toBe("Ana liked this");
    expect(interpolate("%(n)d files, %(n)i left", { n: 2.7 })).toBe("2 files, 2 left");
    expect(interpolate("100%% %(x)s", { x: true })).toBe("100% true");
  });

  it("leaves unknown placeholders and stray % as written", () => {
    expect(interpolate("%(nme)s liked this", { name: "Ana" })).toBe("%(nme)s liked this");
    expect(interpolate("50% off, %(x)z", { x: 1 })).toBe("50% off, %(x)z");
    expect(interpolate("%(toString)s", {})).toBe("%(toString)s");
  });

  it("refuses what is not a string and an object", () => {
    expect(() => interpolate(1 as unknown as string, {})).toThrow(TypeError);
    expect(() => interpolate("x", null as unknown as Record<string, unknown>)).toThrow(TypeError);
  });
});
