// loadGettextTranslations: real .po files, .mo files compiled by gettext-parser and by GNU msgfmt, plurals checked against glibc.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { mo, po } from "gettext-parser";
import { beforeAll, describe, expect, it } from "vitest";
import {
  GettextCatalog,
  type Locale,
  PluralFormsError,
  TranslationFileError,
  Translations,
} from "../src/index.js";
import { FIXTURES, thrown, writeTree } from "./helpers.js";

const PO_TREE = join(FIXTURES, "gettext");
const LANGS = readdirSync(PO_TREE).sort();
const poPath = (lang: string) => join(PO_TREE, lang, "LC_MESSAGES", "app.po");

/** Compiles every fixture .po into a temporary tree of .mo files only, with `compile`. */
function compileTree(compile: (poFile: string, moFile: string) => void): string {
  const dir = writeTree({});
  for (const lang of LANGS) {
    mkdirSync(join(dir, lang, "LC_MESSAGES"), { recursive: true });
    compile(poPath(lang), join(dir, lang, "LC_MESSAGES", "app.mo"));
  }
  return dir;
}

// gettext-parser's compiler, leaving fuzzy entries out as msgfmt does.
function compileWithGettextParser(poFile: string, moFile: string): void {
  const table = po.parse(readFileSync(poFile));
  for (const messages of Object.values(table.translations)) {
    for (const [id, entry] of Object.entries(messages)) {
      if (entry.comments?.flag?.includes("fuzzy") && id !== "") delete messages[id];
    }
  }
  writeFileSync(moFile, mo.compile(table));
}

function load(dir: string): Translations {
  const t = new Translations();
  t.loadGettextTranslations(dir, "app");
  return t;
}

const has = (cmd: string) => spawnSync(cmd, ["--version"], { stdio: "ignore" }).status === 0;
const HAS_MSGFMT = has("msgfmt");
const HAS_NGETTEXT = has("ngettext");
if (!HAS_MSGFMT || !HAS_NGETTEXT) {
  console.warn(
    "GNU gettext tools not found: the msgfmt/glibc cross-checks are skipped. Install them with: apt-get install -y gettext",
  );
}

// Every lookup the fixtures can answer, and some they cannot: [lang, label, result].
function lookups(t: Translations): string[][] {
  const rows: string[][] = [];
  const counts = [0, 1, 2, 3, 4, 5, 10, 11, 12, 14, 21, 22, 25, 100, 101, 102, 111, 1000];
  for (const lang of LANGS) {
    const l = t.get(lang);
    rows.push([lang, "code", l.code]);
    for (const m of ["school", "draft", "untranslated", "nothing", "Monday"]) {
      rows.push([lang, m, l.translate(m)]);
    }
    for (const [ctx, m] of [
      ["law", "right"],
      ["good", "right"],
      ["x", "school"],
    ]) {
      rows.push([lang, `${ctx}|${m}`, l.pgettext(ctx, m)]);
    }
    for (const n of counts) {
      rows.push([lang, `file ${n}`, l.translate("%(n)d file", "%(n)d files", n)]);
      rows.push([lang, `club ${n}`, l.pgettext("stick", "club", "clubs", n)]);
      rows.push([lang, `orga ${n}`, l.pgettext("organization", "club", "clubs", n)]);
    }
  }
  return rows;
}

describe("loadGettextTranslations", () => {
  let fromMo: Translations;
  beforeAll(() => {
    fromMo = load(compileTree(compileWithGettextParser));
  });

  for (const source of ["po", "mo"] as const) {
    describe(`from .${source} files`, () => {
      const fr = (): Locale => (source === "po" ? load(PO_TREE) : fromMo).get("fr_FR");

      it("finds every locale folder holding the domain", () => {
        const t = source === "po" ? load(PO_TREE) : fromMo;
        expect(t.getSupportedLocales()).toEqual(["ar", "en_US", "fr_FR", "pl", "ru"]);
      });

      it("translates and uses contexts (Tornado's test_gettext)", () => {
        const l = fr();
        expect(l.translate("school")).toBe("école");
        expect(l.pgettext("law", "right")).toBe("le droit");
        expect(l.pgettext("good", "right")).toBe("le bien");
        expect(l.pgettext("organization", "club", "clubs", 1)).toBe("le club");
        expect(l.pgettext("organization", "club", "clubs", 2)).toBe("les clubs");
        expect(l.pgettext("stick", "club", "clubs", 1)).toBe("le bâton");
        expect(l.pgettext("stick", "club", "clubs", 2)).toBe("les bâtons");
      });

      it("chooses plural forms with the catalog's rule (French: 0 is singular)", () => {
        const l = fr();
        expect(l.translate("%(n)d file", "%(n)d files", 0)).toBe("%(n)d fichier");
        expect(l.translate("%(n)d file", "%(n)d files", 1)).toBe("%(n)d fichier");
        expect(l.translate("%(n)d file", "%(n)d files", 2)).toBe("%(n)d fichiers");
      });

      it("leaves out fuzzy and empty translations, and returns the source for a miss", () => {
        const l = fr();
        expect(l.translate("draft")).toBe("draft");
        expect(l.translate("untranslated")).toBe("untranslated");
        expect(l.translate("nothing", "nothings", 1)).toBe("nothing");
        expect(l.translate("nothing", "nothings", 0)).toBe("nothings");
      });

      it("finds a context entry only in its context (no fallback to another sense)", () => {
        const l = fr();
        expect(l.pgettext("building", "school")).toBe("school");
        expect(l.pgettext("sport", "club", "clubs", 2)).toBe("clubs");
        expect(l.translate("right")).toBe("right");
      });

      it("Russian, Polish and Arabic plurals pick the right msgstr", () => {
        const t = source === "po" ? load(PO_TREE) : fromMo;
        const f = (code: string, n: number) =>
          t.get(code).translate("%(n)d file", "%(n)d files", n);
        expect([1, 2, 5, 21, 22, 25, 111].map((n) => f("ru", n))).toEqual([
          "%(n)d файл",
          "%(n)d файла",
          "%(n)d файлов",
          "%(n)d файл",
          "%(n)d файла",
          "%(n)d файлов",
          "%(n)d файлов",
        ]);
        expect([1, 2, 5, 21, 22].map((n) => f("pl", n))).toEqual([
          "%(n)d plik",
          "%(n)d pliki",
          "%(n)d plików",
          "%(n)d plików",
          "%(n)d pliki",
        ]);
        expect([0, 1, 2, 3, 11, 100].map((n) => f("ar", n))).toEqual([
          "لا ملفات",
          "ملف واحد",
          "ملفان",
          "%(n)d ملفات",
          "%(n)d ملفًا",
          "%(n)d ملف",
        ]);
        // Negative and fractional counts choose by their absolute integer part.
        expect(f("ru", -21)).toBe("%(n)d файл");
        expect(f("ru", 2.5)).toBe("%(n)d файла");
      });

      it("uses the catalog's month and weekday names where it has them", () => {
        const l = fr();
        expect(l.weekdays[0]).toBe("Lundi");
        expect(l.weekdays[1]).toBe("mardi"); // Intl's, not in the catalog
      });
    });
  }

  it("prefers the .mo file when a folder has both", () => {
    const dir = writeTree({
      "de/LC_MESSAGES/app.po": 'msgid "school"\nmsgstr "Schule (po)"\n',
    });
    compileWithGettextParser(
      join(dir, "de/LC_MESSAGES/app.po"),
      join(dir, "de/LC_MESSAGES/app.mo"),
    );
    writeFileSync(join(dir, "de/LC_MESSAGES/app.po"), 'msgid "school"\nmsgstr "Schule (new po)"\n');
    expect(load(dir).get("de").translate("school")).toBe("Schule (po)");
  });

  it("ignores folders without the domain's catalog and other domains", () => {
    const dir = writeTree({
      "de/LC_MESSAGES/other.po": 'msgid "school"\nmsgstr "Schule"\n',
      "it/README": "nothing here",
      "es/LC_MESSAGES/app.po": 'msgid "school"\nmsgstr "escuela"\n',
    });
    const t = load(dir);
    expect(t.getSupportedLocales()).toEqual(["en_US", "es"]);
    expect(t.get("de", "es").translate("school")).toBe("escuela");
  });

  it("uses English's rule (n != 1) for a catalog without Plural-Forms, as gettext does", () => {
    const dir = writeTree({
      "de/LC_MESSAGES/app.po":
        'msgid "%(n)d file"\nmsgid_plural "%(n)d files"\nmsgstr[0] "%(n)d Datei"\nmsgstr[1] "%(n)d Dateien"\n',
    });
    const de = load(dir).get("de");
    expect(de.translate("%(n)d file", "%(n)d files", 1)).toBe("%(n)d Datei");
    expect(de.translate("%(n)d file", "%(n)d files", 0)).toBe("%(n)d Dateien");
  });

  it("a GettextCatalog answers on its own, with its rule", () => {
    const catalog = new GettextCatalog(
      new Map([
        [
          "",
          new Map([
            ["a", ["b"]],
            ["x", ["one x", "many x"]],
          ]),
        ],
      ]),
      { nplurals: 2, expression: "n != 1", select: (n) => (n !== 1 ? 1 : 0) },
    );
    expect(catalog.gettext("a")).toBe("b");
    expect(catalog.ngettext("x", "xs", 3)).toBe("many x");
    expect(catalog.pgettext("ctx", "a")).toBeUndefined();
  });

  it("refuses a catalog whose Plural-Forms is not gettext's C subset, naming the file", () => {
    const header = (rule: string) =>
      `msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\nPlural-Forms: ${rule}\\n"\n\nmsgid "a"\nmsgstr "b"\n`;
    const dir = writeTree({
      "de/LC_MESSAGES/app.po": header("nplurals=2; plural=process.exit(1);"),
    });
    const err = thrown(() => load(dir));
    expect(err).toBeInstanceOf(PluralFormsError);
    expect(err.path).toBe(join(dir, "de/LC_MESSAGES/app.po"));
    expect(err.header).toBe("nplurals=2; plural=process.exit(1);");
    expect(err.message).toMatch(/app\.po: Plural-Forms: unexpected character "p"/);
  });

  it("refuses .po syntax errors with the line, and .mo files that are not .mo", () => {
    const syntax = thrown(() =>
      load(writeTree({ "de/LC_MESSAGES/app.po": 'msgid "a"\nmsgstr "b"\nmsgstrr "c"\n' })),
    );
    expect(syntax).toBeInstanceOf(TranslationFileError);
    expect(syntax.message).toMatch(/not a valid \.po file/);
    expect(syntax.line).toBe(3);
    const quote = thrown(() =>
      load(writeTree({ "de/LC_MESSAGES/app.po": 'msgid "a"\nmsgstr "b"c"\n' })),
    );
    expect(quote).toBeInstanceOf(TranslationFileError);
    const notMo = thrown(() => load(writeTree({ "de/LC_MESSAGES/app.mo": 'msgid "a"\n' })));
    expect(notMo).toBeInstanceOf(TranslationFileError);
    expect(notMo.message).toMatch(/magic number/);
  });

  it("refuses a truncated .mo file instead of crashing", () => {
    const good = readFileSync(join(compileTree(compileWithGettextParser), "ru/LC_MESSAGES/app.mo"));
    for (const size of [4, 12, 20, 30]) {
      const dir = writeTree({ "ru/LC_MESSAGES/app.mo": good.subarray(0, size) });
      expect(() => load(dir), `${size} bytes`).toThrow(TranslationFileError);
    }
  });

  it("refuses a catalog folder not named with a locale code, and bad arguments", () => {
    const err = thrown(() =>
      load(writeTree({ "pt-BR/LC_MESSAGES/app.po": 'msgid "a"\nmsgstr "b"\n' })),
    );
    expect(err).toBeInstanceOf(TranslationFileError);
    expect(err.message).toMatch(/folder "pt-BR" is not a locale code; name it like pt_BR/);
    const t = new Translations();
    expect(() => t.loadGettextTranslations(PO_TREE, "")).toThrow(TypeError);
    expect(() => t.loadGettextTranslations(PO_TREE, "../app")).toThrow(TypeError);
    expect(() => t.loadGettextTranslations("", "app")).toThrow(TypeError);
  });

  it.skipIf(!HAS_MSGFMT)(
    "GNU msgfmt's .mo files, gettext-parser's and the .po sources give the same answer to every lookup",
    () => {
      const gnu = load(
        compileTree((p, m) => execFileSync("msgfmt", ["-c", "-o", m, p], { stdio: "pipe" })),
      );
      const expected = lookups(load(PO_TREE));
      expect(lookups(gnu)).toEqual(expected);
      expect(lookups(fromMo)).toEqual(expected);
    },
  );

  it.skipIf(!HAS_MSGFMT || !HAS_NGETTEXT)(
    "the plural form chosen for each count is the one glibc's ngettext chooses from the same .mo",
    () => {
      const tree = compileTree((p, m) => execFileSync("msgfmt", ["-o", m, p], { stdio: "pipe" }));
      const ours = load(tree);
      const counts = [
        ...Array.from({ length: 32 }, (_, i) => i),
        99,
        100,
        101,
        102,
        103,
        110,
        111,
        112,
        121,
        122,
        125,
        1000,
        1001,
        1002,
        1011,
        1022,
      ];
      for (const lang of ["ru", "pl", "ar", "fr_FR"]) {
        // One shell per language; each line is glibc's answer for one count.
        const script = `for n in ${counts.join(" ")}; do ngettext -d app '%(n)d file' '%(n)d files' "$n"; echo; done`;
        const out = execFileSync("sh", ["-c", script], {
          env: { ...process.env, LC_ALL: "C.UTF-8", LANGUAGE: lang, TEXTDOMAINDIR: tree },
          encoding: "utf8",
        });
        const glibc = out.split("\n").slice(0, counts.length);
        const mine = counts.map((n) => ours.get(lang).translate("%(n)d file", "%(n)d files", n));
        expect(mine, lang).toEqual(glibc);
      }
    },
  );
});
