// A gettext `Plural-Forms` header parsed into a function of n, without evaluating file content as code.

import { PluralFormsError } from "./errors.js";

/** Longest `Plural-Forms` value accepted, in characters (real rules are under 200). */
export const PLURAL_FORMS_MAX_LENGTH = 1024;
/** Deepest nesting of parentheses, `?:` and `!` accepted in a plural expression. */
export const PLURAL_FORMS_MAX_DEPTH = 64;
/** Largest `nplurals` accepted (Arabic, the largest in use, has 6). */
export const PLURAL_FORMS_MAX_NPLURALS = 100;

/** A parsed `Plural-Forms` header: how many forms a catalog has and which one a count takes. */
export interface PluralForms {
  /** `nplurals`: how many `msgstr[i]` each plural entry has. */
  readonly nplurals: number;
  /** The `plural=` expression as written (trimmed). */
  readonly expression: string;
  /**
   * The form index for the count `n` (a non-negative integer), or -1 when the expression yields
   * a value outside `0..nplurals-1` (the caller then falls back to the untranslated message).
   */
  select(n: number): number;
}

type Eval = (n: number) => number;

// Tokens, kept as small numbers: the tokenizer fills two parallel arrays once per header.
const T_END = 0;
const T_N = 1;
const T_NUM = 2;
const T_OP = 3;
const T_LPAREN = 4;
const T_RPAREN = 5;

// Two-character operators first, so that "<=" is not read as "<" then "=".
const OPERATORS = [
  "||",
  "&&",
  "==",
  "!=",
  "<=",
  ">=",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "%",
  "!",
  "?",
  ":",
];

class Parser {
  private readonly kinds: number[] = [];
  private readonly texts: string[] = [];
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly source: string,
    private readonly header: string,
  ) {
    this.tokenize();
  }

  private fail(what: string): never {
    throw new PluralFormsError(
      `Plural-Forms: ${what} in plural expression "${this.source}" (expected gettext's C subset: n, integers, ! * / % + - < <= > >= == != && || ?: and parentheses)`,
      this.header,
    );
  }

  private tokenize(): void {
    const s = this.source;
    let i = 0;
    outer: while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) {
        i++;
        continue;
      }
      if (c >= 0x30 && c <= 0x39) {
        let j = i + 1;
        while (j < s.length && s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) j++;
        this.push(T_NUM, s.slice(i, j));
        i = j;
        continue;
      }
      if (c === 0x6e /* n */) {
        const next = s.charCodeAt(i + 1);
        // "n" must stand alone: "nx" or "n2" is some other identifier.
        if (!(next >= 0x30 && next <= 0x39) && !/[A-Za-z_]/.test(s[i + 1] ?? "")) {
          this.push(T_N, "n");
          i++;
          continue;
        }
      }
      if (c === 0x28) {
        this.push(T_LPAREN, "(");
        i++;
        continue;
      }
      if (c === 0x29) {
        this.push(T_RPAREN, ")");
        i++;
        continue;
      }
      for (const op of OPERATORS) {
        if (s.startsWith(op, i)) {
          this.push(T_OP, op);
          i += op.length;
          continue outer;
        }
      }
      this.fail(`unexpected character "${s[i]}" at offset ${i}`);
    }
    this.push(T_END, "");
  }

  private push(kind: number, text: string): void {
    this.kinds.push(kind);
    this.texts.push(text);
  }

  private isOp(op: string): boolean {
    return this.kinds[this.pos] === T_OP && this.texts[this.pos] === op;
  }

  private enter(): void {
    if (++this.depth > PLURAL_FORMS_MAX_DEPTH) {
      this.fail(`nesting deeper than ${PLURAL_FORMS_MAX_DEPTH} levels`);
    }
  }

  parse(): Eval {
    const e = this.ternary();
    if (this.kinds[this.pos] !== T_END) this.fail(`unexpected "${this.texts[this.pos]}"`);
    return e;
  }

  // cond ? a : b, right-associative, the lowest precedence.
  private ternary(): Eval {
    this.enter();
    const cond = this.binary(0);
    let result = cond;
    if (this.isOp("?")) {
      this.pos++;
      const a = this.ternary();
      if (!this.isOp(":")) this.fail(`"?" without ":"`);
      this.pos++;
      const b = this.ternary();
      result = (n) => (cond(n) !== 0 ? a(n) : b(n));
    }
    this.depth--;
    return result;
  }

  // Binary operators by precedence level, lowest first (C's order).
  private static readonly LEVELS: readonly (readonly string[])[] = [
    ["||"],
    ["&&"],
    ["==", "!="],
    ["<", "<=", ">", ">="],
    ["+", "-"],
    ["*", "/", "%"],
  ];

  private binary(level: number): Eval {
    if (level === Parser.LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    const ops = Parser.LEVELS[level];
    while (this.kinds[this.pos] === T_OP && ops.includes(this.texts[this.pos])) {
      const op = this.texts[this.pos++];
      const right = this.binary(level + 1);
      left = combine(op, left, right);
    }
    return left;
  }

  private unary(): Eval {
    if (this.isOp("!")) {
      this.enter();
      this.pos++;
      const operand = this.unary();
      this.depth--;
      return (n) => (operand(n) === 0 ? 1 : 0);
    }
    return this.primary();
  }

  private primary(): Eval {
    const kind = this.kinds[this.pos];
    const text = this.texts[this.pos];
    if (kind === T_N) {
      this.pos++;
      return (n) => n;
    }
    if (kind === T_NUM) {
      this.pos++;
      const value = Number(text);
      if (!Number.isSafeInteger(value)) this.fail(`number ${text} too large`);
      return () => value;
    }
    if (kind === T_LPAREN) {
      this.pos++;
      const inner = this.ternary();
      if (this.kinds[this.pos] !== T_RPAREN) this.fail(`"(" without ")"`);
      this.pos++;
      return inner;
    }
    this.fail(kind === T_END ? "unexpected end" : `unexpected "${text}"`);
  }
}

// Integer semantics as in C: comparisons yield 0 or 1, division truncates. Division by zero,
// which would stop a C program, yields 0 so that evaluation is total.
function combine(op: string, a: Eval, b: Eval): Eval {
  switch (op) {
    case "||":
      return (n) => (a(n) !== 0 || b(n) !== 0 ? 1 : 0);
    case "&&":
      return (n) => (a(n) !== 0 && b(n) !== 0 ? 1 : 0);
    case "==":
      return (n) => (a(n) === b(n) ? 1 : 0);
    case "!=":
      return (n) => (a(n) !== b(n) ? 1 : 0);
    case "<":
      return (n) => (a(n) < b(n) ? 1 : 0);
    case "<=":
      return (n) => (a(n) <= b(n) ? 1 : 0);
    case ">":
      return (n) => (a(n) > b(n) ? 1 : 0);
    case ">=":
      return (n) => (a(n) >= b(n) ? 1 : 0);
    case "+":
      return (n) => a(n) + b(n);
    case "-":
      return (n) => a(n) - b(n);
    case "*":
      return (n) => a(n) * b(n);
    case "/":
      return (n) => {
        const d = b(n);
        return d === 0 ? 0 : Math.trunc(a(n) / d);
      };
    default: // "%"
      return (n) => {
        const d = b(n);
        return d === 0 ? 0 : a(n) % d;
      };
  }
}

class CompiledPluralForms implements PluralForms {
  constructor(
    readonly nplurals: number,
    readonly expression: string,
    private readonly fn: Eval,
  ) {}

  select(n: number): number {
    const i = this.fn(n);
    return i >= 0 && i < this.nplurals ? i : -1;
  }
}

/**
 * Parses a `Plural-Forms` header value, e.g. `nplurals=3; plural=(n==1 ? 0 : n%10>=2 &&
 * n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);`, into a {@link PluralForms}. The expression is
 * parsed by a small recursive-descent parser for the C subset gettext uses and compiled into
 * closures; nothing from the header reaches `eval` or `Function`.
 *
 * @throws PluralFormsError when the header is malformed, too long, too deeply nested or uses
 *   anything outside that subset.
 */
export function parsePluralForms(header: string): PluralForms {
  if (typeof header !== "string") {
    throw new TypeError(`parsePluralForms: expected a string, got ${typeof header}`);
  }
  if (header.length > PLURAL_FORMS_MAX_LENGTH) {
    throw new PluralFormsError(
      `Plural-Forms longer than ${PLURAL_FORMS_MAX_LENGTH} characters (${header.length})`,
      header.slice(0, 80),
    );
  }
  let nplurals = -1;
  let expression: string | undefined;
  for (const part of header.split(";")) {
    const item = part.trim();
    if (item === "") continue;
    const eq = item.indexOf("=");
    const key = eq < 0 ? item : item.slice(0, eq).trim();
    const value = eq < 0 ? "" : item.slice(eq + 1).trim();
    if (key === "nplurals" && nplurals === -1) {
      if (!/^[0-9]{1,3}$/.test(value) || Number(value) < 1) {
        throw new PluralFormsError(
          `Plural-Forms: nplurals must be an integer in 1..${PLURAL_FORMS_MAX_NPLURALS}, got "${value}"`,
          header,
        );
      }
      nplurals = Number(value);
    } else if (key === "plural" && expression === undefined) {
      expression = value;
    } else {
      throw new PluralFormsError(
        `Plural-Forms: unexpected "${item}" (expected "nplurals=N; plural=EXPR;")`,
        header,
      );
    }
  }
  if (nplurals === -1 || expression === undefined || expression === "") {
    throw new PluralFormsError(
      `Plural-Forms: expected "nplurals=N; plural=EXPR;", got "${header}"`,
      header,
    );
  }
  if (nplurals > PLURAL_FORMS_MAX_NPLURALS) {
    throw new PluralFormsError(
      `Plural-Forms: nplurals must be an integer in 1..${PLURAL_FORMS_MAX_NPLURALS}, got ${nplurals}`,
      header,
    );
  }
  const fn = new Parser(expression, header).parse();
  return new CompiledPluralForms(nplurals, expression, fn);
}

/** The rule of a catalog without a `Plural-Forms` header: English's two forms, `n != 1`. */
export const DEFAULT_PLURAL_FORMS: PluralForms = parsePluralForms("nplurals=2; plural=(n != 1);");
