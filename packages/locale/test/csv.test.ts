// loadTranslations: Tornado's CSV files read from real folders — plurals, BOMs and encodings, refusals.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CsvCatalog, TranslationFileError, Translations } from "../src/index.js";
import { FIXTURES, thrown, writeTree } from "./helpers.js";

const CSV = join(FIXTURES, "csv");

function loaded(dir = CSV, encoding?: string): Translations {
  const t = new Translations();
  t.loadTranslations(dir, encoding === undefined ? {} : { encoding });
  return t;
}

describe("loadTranslations (CSV)", () => {
  it("loads every LOCALE.csv of the folder and ignores other files", () => {
    const t = loaded();
    expect(t.getSupportedLocales()).toEqual(["en_US", "es", "fr_FR"]);
    const fr = t.get("fr_FR");
    expect(fr.code).toBe("fr_FR");
    expect(fr.translate("school")).toBe("école"); // Tornado's test_csv
    expect(t.get("es").translate("I love you")).toBe("Te amo");
  });

  it("translates plurals as Tornado's CSVLocale: count 1 the singular row, any other the plural row", () => {
    const fr = loaded().get("fr_FR");
    const liked = (n: number) => fr.translate("%(name)s liked this", "%(name)s liked this", n);
    expect(liked(1)).toBe("%(name)s a aimé ça");
    expect(liked(2)).toBe("%(name)s ont aimé ça");
    expect(liked(0)).toBe("%(name)s ont aimé ça");
    // A row without a plural indicator is not a plural translation, and the reverse.
    expect(fr.translate("school", "schools", 2)).toBe("schools");
    expect(fr.translate("%(name)s liked this")).toBe("%(name)s liked this");
  });

  it("reads doubled quotes, an empty third column as 'unknown', and skips empty translations", () => {
    const fr = loaded().get("fr_FR");
    expect(fr.translate('She said "hi"')).toBe("Elle a dit « salut »");
    expect(fr.translate("not translated yet")).toBe("not translated yet");
    expect(fr.translate("never heard of")).toBe("never heard of");
  });

  it("ignores contexts: pgettext translates as translate (CSV has none)", () => {
    const fr = loaded().get("fr_FR");
    expect(fr.pgettext("building", "school")).toBe("école");
    expect(fr.pgettext("x", "%(name)s liked this", "%(name)s liked this", 3)).toBe(
      "%(name)s ont aimé ça",
    );
  });

  it("detects UTF-8 with a BOM and UTF-16 (both byte orders) by the BOM (Tornado's test_csv_bom)", () => {
    const text = readFileSync(join(CSV, "fr_FR.csv"), "utf8");
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
    const be = Buffer.from(le);
    be.swap16();
    const variants = {
      "utf-8 + BOM": Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]),
      "utf-16le + BOM": le,
      "utf-16be + BOM": be,
    };
    for (const [label, bytes] of Object.entries(variants)) {
      const fr = loaded(writeTree({ "fr_FR.csv": bytes })).get("fr_FR");
      expect(fr.translate("school"), label).toBe("école");
      expect(fr.translate("I love you"), label).toBe("I love you");
    }
  });

  it("reads other encodings when told, and refuses bytes that are not valid in the encoding", () => {
    const latin1 = Buffer.from('"school","\xe9cole"\n', "latin1");
    expect(
      loaded(writeTree({ "fr.csv": latin1 }), "windows-1252")
        .get("fr")
        .translate("school"),
    ).toBe("école");
    const err = thrown(() => loaded(writeTree({ "fr.csv": latin1 })));
    expect(err).toBeInstanceOf(TranslationFileError);
    expect(err.message).toMatch(/fr\.csv: not valid utf-8 text/);
    expect(() => new Translations().loadTranslations(CSV, { encoding: "klingon" })).toThrow(
      RangeError,
    );
  });

  it("refuses an unknown plural indicator, naming the file and line", () => {
    const dir = writeTree({ "de.csv": '"a","b"\n"c","d","plurals"\n' });
    const err = thrown(() => loaded(dir));
    expect(err).toBeInstanceOf(TranslationFileError);
    expect(err.code).toBe("T_ERR_LOCALE_FILE");
    expect(err.line).toBe(2);
    expect(err.path).toBe(join(dir, "de.csv"));
    expect(err.message).toMatch(/de\.csv:2: unknown plural indicator "plurals"/);
  });

  it("refuses CSV that does not parse and files not named with a locale code", () => {
    const bad = thrown(() => loaded(writeTree({ "de.csv": '"a","b\n' })));
    expect(bad).toBeInstanceOf(TranslationFileError);
    expect(bad.message).toMatch(/not a CSV file/);
    const name = thrown(() => loaded(writeTree({ "pt-BR.csv": '"a","b"\n' })));
    expect(name).toBeInstanceOf(TranslationFileError);
    expect(name.message).toMatch(
      /"pt-BR" is not a locale code; name translation files like fr_FR\.csv/,
    );
  });

  it("refuses a folder that does not exist, with the system error as cause", () => {
    const err = thrown(() => loaded(join(FIXTURES, "no-such-folder")));
    expect(err).toBeInstanceOf(TranslationFileError);
    expect(err.message).toMatch(/ENOENT/);
    expect((err.cause as NodeJS.ErrnoException).code).toBe("ENOENT");
  });

  it("keeps the previous translations when a load fails, and replaces them all when one succeeds", () => {
    const t = loaded();
    expect(() => t.loadTranslations(writeTree({ "de.csv": '"a","b","x"\n' }))).toThrow(
      TranslationFileError,
    );
    expect(t.get("fr_FR").translate("school")).toBe("école");
    t.loadTranslations(writeTree({ "de.csv": '"school","Schule"\n' }));
    expect(t.getSupportedLocales()).toEqual(["de", "en_US"]);
    expect(t.get("fr_FR").code).toBe("en_US");
    expect(t.get("de").translate("school")).toBe("Schule");
  });

  it("gives the Locale a CsvCatalog that can be used on its own", () => {
    const c = new CsvCatalog(new Map([["a", "b"]]), new Map(), new Map([["xs", "ys"]]));
    expect(c.gettext("a")).toBe("b");
    expect(c.ngettext("x", "xs", 2)).toBe("ys");
    expect(c.ngettext("x", "xs", 1)).toBeUndefined();
  });
});
