// Plural-Forms headers: real rules agree with CLDR (Intl.PluralRules), C semantics, and refusal of what is not gettext's subset.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  PLURAL_FORMS_MAX_DEPTH,
  PLURAL_FORMS_MAX_LENGTH,
  PluralFormsError,
  parsePluralForms,
} from "../src/index.js";

// The headers as gettext's manual and Language-Team files write them.
const RULES = {
  ru: {
    header:
      "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    forms: ["one", "few", "many"],
  },
  pl: {
    header:
      "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    forms: ["one", "few", "many"],
  },
  ar: {
    header:
      "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);",
    forms: ["zero", "one", "two", "few", "many", "other"],
  },
  fr: { header: "nplurals=2; plural=(n > 1);", forms: ["one", "other"] },
  ja: { header: "nplurals=1; plural=0;", forms: ["other"] },
} as const;

describe("parsePluralForms on real rules", () => {
  for (const [lang, { header, forms }] of Object.entries(RULES)) {
    it(`${lang}: the form chosen for every count matches CLDR's category (Intl.PluralRules)`, () => {
      const rule = parsePluralForms(header);
      expect(rule.nplurals).toBe(forms.length);
      const cldr = new Intl.PluralRules(lang);
      const check = (n: number) => {
        expect(forms[rule.select(n)], `${lang} n=${n}`).toBe(cldr.select(n));
      };
      for (let n = 0; n <= 1200; n++) check(n);
      fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (n) => check(n)));
    });
  }

  it("ru: the textbook examples", () => {
    const ru = parsePluralForms(RULES.ru.header);
    expect([1, 21, 101, 2, 3, 4, 22, 0, 5, 11, 12, 14, 111, 25].map((n) => ru.select(n))).toEqual([
      0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2,
    ]);
  });
});

describe("parsePluralForms: C semantics", () => {
  const value = (expr: string, n: number) =>
    parsePluralForms(`nplurals=100; plural=${expr};`).select(n);

  it("follows C precedence and associativity", () => {
    expect(value("1 + 2 * 3", 0)).toBe(7);
    expect(value("(1 + 2) * 3", 0)).toBe(9);
    expect(value("10 - 4 - 3", 0)).toBe(3); // left-associative
    expect(value("n == 1 || n == 2 && 0", 2)).toBe(0); // && binds tighter than ||
    expect(value("n == 1 || n == 2 && 0", 1)).toBe(1);
    expect(value("n < 2 == 1", 1)).toBe(1); // < binds tighter than ==
    expect(value("n ? 1 : n ? 2 : 3", 0)).toBe(3); // ?: is right-associative
    expect(value("n > 1 ? 4 : 5", 5)).toBe(4);
    expect(value("!n", 0)).toBe(1);
    expect(value("!!n", 7)).toBe(1);
    expect(value("7 % 3 + 9 / 2", 0)).toBe(5); // integer division truncates
  });

  it("division or remainder by zero yields 0 instead of stopping", () => {
    expect(value("n / 0", 5)).toBe(0);
    expect(value("n % (n - n)", 5)).toBe(0);
  });

  it("select returns -1 when the expression leaves 0..nplurals-1", () => {
    const rule = parsePluralForms("nplurals=2; plural=n;");
    expect(rule.select(1)).toBe(1);
    expect(rule.select(2)).toBe(-1);
  });

  it("accepts the header's parts in any order, with or without spaces and final semicolon", () => {
    expect(parsePluralForms("plural=(n != 1) ;nplurals = 2").select(3)).toBe(1);
    expect(parsePluralForms("nplurals=2;plural=n!=1").select(1)).toBe(0);
  });
});

describe("parsePluralForms refuses", () => {
  const refused = (header: string) => {
    let caught: unknown;
    try {
      parsePluralForms(header);
    } catch (err) {
      caught = err;
    }
    expect(caught, header).toBeInstanceOf(PluralFormsError);
    expect((caught as PluralFormsError).code).toBe("T_ERR_LOCALE_PLURAL_FORMS");
    return caught as PluralFormsError;
  };

  it("code and anything outside the C subset", () => {
    const sneaky = [
      "nplurals=2; plural=process.exit(1);",
      "nplurals=2; plural=(n != 1) || require('fs');",
      "nplurals=2; plural=globalThis;",
      "nplurals=2; plural=n = 1;",
      "nplurals=2; plural=n != 1 ? 1;",
      "nplurals=2; plural=(n != 1;",
      "nplurals=2; plural=n != 1);",
      "nplurals=2; plural=n !== 1;",
      "nplurals=2; plural=`n`;",
      "nplurals=2; plural=nn;",
      "nplurals=2; plural=n1;",
      "nplurals=2; plural=-n;",
      "nplurals=2; plural=99999999999999999999;",
    ];
    for (const header of sneaky) refused(header);
  });

  it("malformed headers, with a message that shows the expected form", () => {
    expect(refused("plural=(n != 1);").message).toMatch(/nplurals=N; plural=EXPR/);
    refused("nplurals=2;");
    refused("nplurals=0; plural=0;");
    refused("nplurals=101; plural=0;");
    refused("nplurals=two; plural=0;");
    refused("nplurals=2; plural=; ");
    refused("nplurals=2; plural=0; charset=utf-8");
    refused("nplurals=2; nplurals=3; plural=0;");
  });

  it(`expressions nested deeper than ${PLURAL_FORMS_MAX_DEPTH} levels, without overflowing the stack`, () => {
    const deep = `nplurals=2; plural=${"(".repeat(PLURAL_FORMS_MAX_DEPTH + 1)}n${")".repeat(PLURAL_FORMS_MAX_DEPTH + 1)};`;
    expect(refused(deep).message).toMatch(/nesting deeper than 64/);
    refused(`nplurals=2; plural=${"!".repeat(200)}n;`);
    refused(`nplurals=2; plural=${"n ? ".repeat(100)}1${" : 0".repeat(100)};`);
    const ok = `nplurals=2; plural=${"(".repeat(40)}n != 1${")".repeat(40)};`;
    expect(parsePluralForms(ok).select(2)).toBe(1);
  });

  it(`headers longer than ${PLURAL_FORMS_MAX_LENGTH} characters`, () => {
    const long = `nplurals=2; plural=${"n+".repeat(600)}0;`;
    expect(refused(long).message).toMatch(/longer than 1024/);
  });

  it("any string: either a rule whose select is total, or a PluralFormsError — nothing else", () => {
    const alphabet = fc.constantFrom(..."n0123456789 ()!?:=<>&|+-*/%;nplurals=".split(""));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: alphabet, maxLength: 60 }).map((e) => `nplurals=3; plural=${e};`),
        ),
        (header) => {
          try {
            const rule = parsePluralForms(header);
            for (const n of [0, 1, 2, 5, 11, 100]) {
              const i = rule.select(n);
              expect(i >= -1 && i < rule.nplurals && Number.isInteger(i)).toBe(true);
            }
          } catch (err) {
            expect(err).toBeInstanceOf(PluralFormsError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("a non-string argument with a TypeError", () => {
    expect(() => parsePluralForms(42 as unknown as string)).toThrow(TypeError);
  });
});
