// RequestHandler.locale: Accept-Language against real CSV and gettext translation files, getUserLocale, _() in templates.

import { fileURLToPath } from "node:url";
import { interpolate, type Locale, Translations } from "@t/locale";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Application, RequestHandler } from "../src/index.js";
import { WebFixture } from "./helpers.js";

const templatePath = fileURLToPath(new URL("./templates", import.meta.url));
const csvDir = fileURLToPath(new URL("./fixtures/locale/csv", import.meta.url));
const gettextDir = fileURLToPath(new URL("./fixtures/locale/gettext", import.meta.url));

/** de and es from Tornado's CSV files. */
function csvTranslations(): Translations {
  const t = new Translations();
  t.loadTranslations(csvDir);
  return t;
}

/** fr from a gettext .po catalog (French plurals: 0 and 1 are singular). */
function gettextTranslations(): Translations {
  const t = new Translations();
  t.loadGettextTranslations(gettextDir, "messages");
  return t;
}

/** A Translations that counts the Accept-Language lookups it is asked for. */
class CountingTranslations extends Translations {
  lookups = 0;
  override fromAcceptLanguage(header: string | null | undefined, fallback?: string): Locale {
    this.lookups++;
    return super.fromAcceptLanguage(header, fallback);
  }
}

class Greet extends RequestHandler {
  override async get() {
    await this.render("locale/greet", {
      name: "Ana",
      n: Number(this.getArgument("n", "1")),
      interpolate,
    });
  }
}

/** The language cookie wins over the browser's (Tornado's get_user_locale). */
class CookieGreet extends Greet {
  override getUserLocale(): Locale | null {
    const lang = this.getCookie("lang");
    return lang === undefined ? null : this.translations.get(lang);
  }
}

/** The locale decided in prepare() after an asynchronous lookup. */
class PreparedGreet extends Greet {
  override async prepare() {
    const code = await Promise.resolve(this.getArgument("lang", "de"));
    this.locale = this.translations.get(code);
  }
}

class PromiseLocale extends Greet {
  override getUserLocale(): Locale | null {
    return Promise.resolve(this.translations.get("de")) as unknown as Locale;
  }
}

/** Writes `handler.locale` itself, twice, and reports the code. */
class Code extends RequestHandler {
  override get() {
    this.write(`${this.locale.code} ${this.locale.translate("Hello, %(name)s")}`);
  }
}

class Plain extends RequestHandler {
  override get() {
    this.write("no locale needed");
  }
}

function text(html: string, id: string): string | undefined {
  return new RegExp(`<p id="${id}">([^<]*)</p>`).exec(html)?.[1];
}

let fx: WebFixture;
beforeEach(() => {
  fx = new WebFixture();
});
afterEach(async () => {
  const bad = fx.logger.unexpected();
  await fx.dispose();
  expect(bad.map((e) => `${e.level}: ${e.msg}`)).toEqual([]);
});

describe("the browser's locale from Accept-Language", () => {
  it("picks the best supported language by q-value from CSV files, and _() translates in the template", async () => {
    await fx.serve([["/greet", Greet]], { templatePath, translations: csvTranslations() });
    const get = async (accept: string | null, n = 1) => {
      const headers: Record<string, string> = accept === null ? {} : { "Accept-Language": accept };
      return await (await fx.fetch(`/greet?n=${n}`, { headers })).text();
    };

    const de = await get("fr-FR;q=0.9, de-DE, en;q=0.5", 3);
    expect(text(de, "code")).toBe("de");
    expect(text(de, "hello")).toBe("Hallo, Ana");
    expect(text(de, "count")).toBe("3 Nachrichten");
    // CSV has no contexts: pgettext translates as translate does.
    expect(text(de, "verb")).toBe("Beitrag");

    const es = await get("en;q=0.2, es-MX;q=0.8", 1);
    expect(text(es, "code")).toBe("es");
    expect(text(es, "hello")).toBe("Hola, Ana");
    expect(text(es, "count")).toBe("1 mensaje");

    // Nothing supported (fr has no CSV file here), or no header: the default, untranslated.
    for (const accept of ["fr, it;q=0.5", null]) {
      const en = await get(accept, 2);
      expect(text(en, "code")).toBe("en_US");
      expect(text(en, "hello")).toBe("Hello, Ana");
      expect(text(en, "count")).toBe("2 messages");
    }
  });

  it("reads gettext .po catalogs: the catalog's plural rule and contexts", async () => {
    await fx.serve([["/greet", Greet]], { templatePath, translations: gettextTranslations() });
    const fr = async (n: number) =>
      await (
        await fx.fetch(`/greet?n=${n}`, { headers: { "Accept-Language": "fr-CA,fr;q=0.9" } })
      ).text();
    const zero = await fr(0);
    expect(text(zero, "code")).toBe("fr");
    expect(text(zero, "hello")).toBe("Bonjour, Ana");
    expect(text(zero, "count")).toBe("0 message reçu"); // French: 0 is singular
    expect(text(await fr(2), "count")).toBe("2 messages reçus");
    expect(text(zero, "verb")).toBe("Publier");
    expect(text(zero, "noun")).toBe("Message");
  });

  it("uses @t/locale's defaultTranslations when the setting is unset", async () => {
    await fx.serve([["/code", Code]]);
    const res = await fx.fetch("/code", { headers: { "Accept-Language": "de" } });
    // Nothing was loaded into the default registry in this process: the default locale.
    expect(await res.text()).toBe("en_US Hello, %(name)s");
  });

  it("parses Accept-Language only when the locale is first used, once per request", async () => {
    const translations = new CountingTranslations();
    translations.loadTranslations(csvDir);
    await fx.serve(
      [
        ["/plain", Plain],
        ["/code", Code],
        ["/greet", Greet],
      ],
      { templatePath, translations },
    );
    const headers = { "Accept-Language": "de" };
    expect(await (await fx.fetch("/plain", { headers })).text()).toBe("no locale needed");
    expect(translations.lookups).toBe(0);
    expect(await (await fx.fetch("/code", { headers })).text()).toBe("de Hallo, %(name)s");
    expect(translations.lookups).toBe(1); // read twice by the handler, decided once
    await (await fx.fetch("/greet", { headers })).text();
    expect(translations.lookups).toBe(2);
  });
});

describe("getUserLocale and an assigned locale", () => {
  it("a getUserLocale override (a language cookie) wins over Accept-Language; null falls back to it", async () => {
    await fx.serve([["/greet", CookieGreet]], { templatePath, translations: csvTranslations() });
    const withCookie = await (
      await fx.fetch("/greet", { headers: { "Accept-Language": "de", Cookie: "lang=es" } })
    ).text();
    expect(text(withCookie, "hello")).toBe("Hola, Ana");
    const without = await (
      await fx.fetch("/greet", { headers: { "Accept-Language": "de" } })
    ).text();
    expect(text(without, "hello")).toBe("Hallo, Ana");
  });

  it("a locale assigned in an async prepare() is the one templates use", async () => {
    await fx.serve([["/greet", PreparedGreet]], {
      templatePath,
      translations: csvTranslations(),
    });
    const html = await (
      await fx.fetch("/greet?lang=es", { headers: { "Accept-Language": "de" } })
    ).text();
    expect(text(html, "hello")).toBe("Hola, Ana");
  });

  it("a getUserLocale that returns a Promise is a TypeError that says to assign locale in prepare()", async () => {
    await fx.serve([["/greet", PromiseLocale]], { templatePath, translations: csvTranslations() });
    const res = await fx.fetch("/greet");
    expect(res.status).toBe(500);
    await res.text();
    expect(fx.logger.expect("error", /Uncaught exception GET \/greet/)).toBe(1);
    fx.logger.expect("error", /^500 GET \/greet/); // the access line
    const logged = fx.logger.entries.find((e) => e.obj instanceof Error)?.obj as Error;
    expect(logged).toBeInstanceOf(TypeError);
    expect(logged.message).toMatch(/not a Promise.*assign this\.locale in prepare\(\)/);
  });
});

describe("the translations setting", () => {
  it("is a known setting, and a value that is not a Translations is refused when the app is built", () => {
    expect(() => new Application([], { translations: csvTranslations() })).not.toThrow();
    expect(() => new Application([], { translations: {} as unknown as Translations })).toThrow(
      /translations setting must be a Translations of @t\/locale/,
    );
    expect(() => new Application([], { translation: csvTranslations() } as never)).toThrow(
      /"translation" \(did you mean translations\?\)/,
    );
  });
});
