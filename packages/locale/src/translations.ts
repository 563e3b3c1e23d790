// Translations: a registry of catalogs per locale code, loaded from files, that picks the closest Locale.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAcceptLanguage } from "./accept-language.js";
import type { Catalog } from "./catalog.js";
import { decodeTranslationFile, parseCsvCatalog } from "./csv-catalog.js";
import { TranslationFileError } from "./errors.js";
import { parseGettextCatalog } from "./gettext-catalog.js";
import { Locale } from "./locale.js";
import { isLocaleCode, normalizeRequestedCode } from "./locale-code.js";

// How many distinct Accept-Language headers fromAcceptLanguage remembers, and the longest kept.
const ACCEPT_CACHE_SIZE = 256;
const ACCEPT_CACHE_MAX_KEY_LENGTH = 256;

/** Options of {@link Translations.loadTranslations}. */
export interface LoadTranslationsOptions {
  /**
   * The files' encoding, a WHATWG label (`"utf-8"`, `"utf-16le"`, `"windows-1252"`). Default:
   * UTF-16 when a file starts with a UTF-16 byte-order mark, else UTF-8 (BOM or not).
   */
  encoding?: string;
}

/** Options of the {@link Translations} constructor. */
export interface TranslationsOptions {
  /** The language the application's own strings are written in. Default `"en_US"`. */
  defaultLocale?: string;
}

function checkDefaultCode(what: string, code: unknown): string {
  const normalized = typeof code === "string" ? normalizeRequestedCode(code) : null;
  if (normalized === null || !isLocaleCode(normalized.exact)) {
    throw new RangeError(
      `${what}: expected a locale code like "en_US" or "fr", got ${JSON.stringify(code)}`,
    );
  }
  return normalized.exact;
}

function listDirectory(directory: string): string[] {
  try {
    return readdirSync(directory).sort();
  } catch (err) {
    throw new TranslationFileError(
      `${directory}: cannot read the translations folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      directory,
      0,
      { cause: err },
    );
  }
}

function readFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TranslationFileError(
      `${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      path,
      0,
      { cause: err },
    );
  }
}

function isFile(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

/**
 * A set of translations, one catalog per locale code, and the choice of the closest
 * {@link Locale} for what a user asks for — Tornado's module-level state of `tornado.locale`,
 * as an object so that an application (or a test) can keep several. The package's functions
 * (`get`, `loadTranslations`, …) use one default instance, `defaultTranslations`.
 *
 * Loading is synchronous and meant for startup, as in Tornado. Each `load…` call replaces the
 * registry's catalogs as a whole, and only once every file has been read: a file that fails
 * leaves the previous translations in place.
 */
export class Translations {
  private catalogs = new Map<string, Catalog>();
  private defaultCode: string;
  private supported: readonly string[] = [];
  private supportedSet = new Set<string>();
  private readonly cache = new Map<string, Locale>();
  // Accept-Language header → its Locale (null: nothing usable). Browsers send few distinct
  // headers, so this turns the per-request parse into one Map lookup; bounded, and emptied
  // whenever the supported set changes.
  private readonly acceptCache = new Map<string, Locale | null>();

  /** @throws RangeError when `defaultLocale` is not a locale code. */
  constructor(options: TranslationsOptions = {}) {
    this.defaultCode = checkDefaultCode("Translations", options.defaultLocale ?? "en_US");
    this.updateSupported();
  }

  /** The default locale's code: the language of the application's own strings. */
  get defaultLocale(): string {
    return this.defaultCode;
  }

  /**
   * Sets the default locale (Tornado's `set_default_locale`): the language the application's
   * strings are written in, which needs no translation file and is what {@link get} returns
   * when nothing closer is supported. `en-US` is accepted for `en_US`.
   *
   * @throws RangeError when `code` is not a locale code.
   */
  setDefaultLocale(code: string): void {
    this.defaultCode = checkDefaultCode("setDefaultLocale", code);
    this.updateSupported();
  }

  /**
   * Loads every `LOCALE.csv` file of `directory` (Tornado's `load_translations`), e.g.
   * `es_LA.csv`:
   *
   * ```csv
   * "I love you","Te amo"
   * "%(name)s liked this","A %(name)s les gustó esto","plural"
   * "%(name)s liked this","A %(name)s le gustó esto","singular"
   * ```
   *
   * Two or three columns: the source string, its translation, and optionally `singular`,
   * `plural` or `unknown` (or nothing). Other files of the folder are ignored.
   *
   * @throws TranslationFileError when the folder or a file cannot be read or parsed, or a CSV
   *   file's name is not a locale code.
   * @throws TypeError / RangeError for a `directory` that is not a string or an unknown `encoding`.
   */
  loadTranslations(directory: string, options: LoadTranslationsOptions = {}): void {
    if (typeof directory !== "string" || directory === "") {
      throw new TypeError("loadTranslations: expected the path of a folder of LOCALE.csv files");
    }
    const { encoding } = options;
    if (encoding !== undefined) {
      try {
        new TextDecoder(encoding);
      } catch {
        throw new RangeError(
          `loadTranslations: unknown encoding ${JSON.stringify(encoding)} (expected a label such as "utf-8" or "utf-16le")`,
        );
      }
    }
    const catalogs = new Map<string, Catalog>();
    for (const name of listDirectory(directory)) {
      if (!name.endsWith(".csv")) continue;
      const path = join(directory, name);
      const code = name.slice(0, -4);
      if (!isLocaleCode(code)) {
        throw new TranslationFileError(
          `${path}: "${code}" is not a locale code; name translation files like fr_FR.csv or fr.csv`,
          path,
        );
      }
      const text = decodeTranslationFile(readFile(path), path, encoding);
      catalogs.set(code, parseCsvCatalog(text, path));
    }
    this.replaceCatalogs(catalogs);
  }

  /**
   * Loads gettext catalogs from a locale tree (Tornado's `load_gettext_translations`):
   * `{directory}/{locale}/LC_MESSAGES/{domain}.mo`, or `{domain}.po` where there is no `.mo`
   * (the compiled file wins when both exist). Plural forms come from each catalog's
   * `Plural-Forms` header, parsed safely (`parsePluralForms`).
   *
   * @throws TranslationFileError when the folder or a catalog cannot be read or parsed, or a
   *   folder holding a catalog is not named with a locale code (`pt_BR`, not `pt-BR`).
   * @throws PluralFormsError when a catalog's `Plural-Forms` header is refused.
   * @throws TypeError when `directory` or `domain` is not a non-empty string.
   */
  loadGettextTranslations(directory: string, domain: string): void {
    if (typeof directory !== "string" || directory === "") {
      throw new TypeError("loadGettextTranslations: expected the path of a locale tree");
    }
    if (typeof domain !== "string" || domain === "" || /[/\\]/.test(domain)) {
      throw new TypeError(
        `loadGettextTranslations: expected a domain name such as "messages" (the catalog's file name without .mo), got ${JSON.stringify(domain)}`,
      );
    }
    const catalogs = new Map<string, Catalog>();
    for (const name of listDirectory(directory)) {
      const base = join(directory, name, "LC_MESSAGES", domain);
      const kind = isFile(`${base}.mo`) ? "mo" : isFile(`${base}.po`) ? "po" : null;
      if (kind === null) continue;
      const path = `${base}.${kind}`;
      if (!isLocaleCode(name)) {
        throw new TranslationFileError(
          `${path}: folder "${name}" is not a locale code; name it like pt_BR or fr`,
          path,
        );
      }
      catalogs.set(name, parseGettextCatalog(readFile(path), path, kind));
    }
    this.replaceCatalogs(catalogs);
  }

  /**
   * Adds (or replaces) the catalog of one locale, keeping the others: for translations that do
   * not come from files.
   *
   * @throws RangeError when `code` is not a locale code; TypeError when `catalog` lacks a method.
   */
  addCatalog(code: string, catalog: Catalog): void {
    if (typeof code !== "string" || !isLocaleCode(code)) {
      throw new RangeError(
        `addCatalog: expected a locale code like "fr_FR", got ${JSON.stringify(code)}`,
      );
    }
    for (const method of ["gettext", "ngettext", "pgettext", "npgettext"] as const) {
      if (typeof catalog?.[method] !== "function") {
        throw new TypeError(`addCatalog: the catalog has no ${method}() method`);
      }
    }
    this.catalogs.set(code, catalog);
    this.cache.delete(code);
    this.updateSupported();
  }

  /**
   * The codes that have a catalog, plus the default locale (Tornado's
   * `get_supported_locales`), sorted.
   */
  getSupportedLocales(): readonly string[] {
    return this.supported;
  }

  /**
   * The closest supported Locale for the given codes, tried in order (Tornado's `locale.get` and
   * `Locale.get_closest`): for each code, hyphens become underscores and case is fixed (`en-us`
   * → `en_US`); the exact code is tried, then its language alone (`en_US` → `en`). When no code
   * matches, the default locale. Empty and malformed codes are skipped.
   */
  get(...codes: string[]): Locale {
    return this.closest(codes);
  }

  /** Same as {@link Translations.get} (Tornado has both names). */
  getClosest(...codes: string[]): Locale {
    return this.closest(codes);
  }

  /**
   * The Locale for an `Accept-Language` header (Tornado's `RequestHandler.get_browser_locale`):
   * the closest Locale for its languages in q-value order ({@link parseAcceptLanguage}), which
   * is the default locale when none of them is supported. Results are remembered per header
   * string (256 headers of up to 256 characters), so repeated headers cost one Map lookup.
   *
   * @param fallback - the code used, as Tornado's `default`, when the header is absent or names
   *   no language with a positive q; default: the default locale.
   * @throws TypeError when `header` is neither a string nor null/undefined.
   */
  fromAcceptLanguage(header: string | null | undefined, fallback?: string): Locale {
    let locale: Locale | null | undefined = null;
    if (typeof header === "string" && header !== "") {
      locale = this.acceptCache.get(header);
      if (locale === undefined) {
        const codes = parseAcceptLanguage(header);
        locale = codes.length > 0 ? this.closest(codes) : null;
        if (header.length <= ACCEPT_CACHE_MAX_KEY_LENGTH) {
          if (this.acceptCache.size >= ACCEPT_CACHE_SIZE) this.acceptCache.clear();
          this.acceptCache.set(header, locale);
        }
      }
    } else if (header !== undefined && header !== null && header !== "") {
      parseAcceptLanguage(header); // throws the TypeError
    }
    return locale ?? this.closest([fallback ?? this.defaultCode]);
  }

  private closest(codes: readonly string[]): Locale {
    for (const code of codes) {
      if (typeof code !== "string") continue;
      const requested = normalizeRequestedCode(code);
      if (requested === null) continue;
      if (this.supportedSet.has(requested.exact)) return this.locale(requested.exact);
      if (this.supportedSet.has(requested.language)) return this.locale(requested.language);
    }
    return this.locale(this.defaultCode);
  }

  private locale(code: string): Locale {
    let locale = this.cache.get(code);
    if (locale === undefined) {
      locale = new Locale(code, this.catalogs.get(code));
      this.cache.set(code, locale);
    }
    return locale;
  }

  private replaceCatalogs(catalogs: Map<string, Catalog>): void {
    this.catalogs = catalogs;
    this.cache.clear();
    this.updateSupported();
  }

  private updateSupported(): void {
    this.acceptCache.clear();
    this.supportedSet = new Set([...this.catalogs.keys(), this.defaultCode]);
    this.supported = Object.freeze([...this.supportedSet].sort());
  }
}
