// Tornado template syntax to nunjucks: one linear scan that closes `{% end %}` by a tag stack and rewrites Tornado-only tags.

import { TemplateError } from "./errors.js";

/**
 * How text between template tags keeps its whitespace (Tornado's `filter_whitespace`): `all`
 * keeps it, `single` folds runs of spaces and tabs to one space and whitespace around newlines to
 * one newline, `oneline` folds every run of whitespace to one space. Text containing `<pre>` is
 * always kept as it is.
 */
export type WhitespaceMode = "all" | "single" | "oneline";

/** Options of {@link translateTornadoTemplate}. */
export interface TornadoTranslateOptions {
  /** The template's name, used in error messages and to pick the default whitespace mode. */
  name?: string;
  /**
   * Whitespace mode at the top of the file (a `{% whitespace %}` tag changes it from there on).
   * Default: {@link defaultWhitespaceMode} of `name` (Tornado's rule).
   */
  whitespace?: WhitespaceMode;
  /**
   * Whether the nunjucks environment autoescapes output (default true). The translation keeps
   * Tornado's per-file `{% autoescape %}` meaning either way.
   */
  autoescape?: boolean;
}

/**
 * Tornado's default whitespace mode for a template name: `single` for `.html` and `.js` files,
 * `all` for anything else.
 */
export function defaultWhitespaceMode(name: string): WhitespaceMode {
  return name.endsWith(".html") || name.endsWith(".js") ? "single" : "all";
}

/** Deepest nesting of block tags accepted (nunjucks' recursive parser is the real limit). */
const MAX_NESTING = 200;

const TEXT = 0;
const EXPRESSION = 1;
const TAG = 2;
const COMMENT = 3;
/** `{{!`, `{%!` or `{#!`: the two delimiter characters, output literally. */
const LITERAL = 4;
/** A nunjucks `{% raw %}…{% endraw %}` or `{% verbatim %}…{% endverbatim %}` block, kept whole. */
const VERBATIM = 5;

interface Token {
  kind: number;
  /** The token's text in the source, delimiters included. */
  source: string;
  /** Inside the delimiters, trim markers and surrounding whitespace removed (TAG, EXPRESSION). */
  body: string;
  /** 1-based line of the token's first character. */
  line: number;
  /** nunjucks whitespace-control markers: `{%-` / `{{-` and `-%}` / `-}}`. */
  trimLeft: boolean;
  trimRight: boolean;
}

/** Block tags and the nunjucks tag that closes each (`apply` becomes a `filter` block). */
const END_TAG: Readonly<Record<string, string>> = {
  apply: "endfilter",
  block: "endblock",
  for: "endfor",
  if: "endif",
  asyncEach: "endeach",
  asyncAll: "endall",
  macro: "endmacro",
  call: "endcall",
  filter: "endfilter",
  set: "endset",
  switch: "endswitch",
};
const END_TAGS = new Set(Object.values(END_TAG));

/** Intermediate tags and the blocks they may sit in. */
const INTERMEDIATE: Readonly<Record<string, readonly string[]>> = {
  else: ["if", "for", "asyncEach", "asyncAll"],
  elif: ["if"],
  elseif: ["if"],
  case: ["switch"],
  default: ["switch"],
};

/** Tornado tags nunjucks has no counterpart for, and what to write instead. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  try: "nunjucks has no try/except: compute the value in the handler, or test it with {% if %}",
  except: "nunjucks has no try/except",
  finally: "nunjucks has no try/finally",
  while: "nunjucks has no while loop: iterate over a sequence with {% for %}",
  break: "nunjucks has no break: filter the sequence before the loop",
  continue: "nunjucks has no continue: wrap the loop body in {% if %}",
};

const WHITESPACE_MODES = new Set<string>(["all", "single", "oneline"]);
const IDENTIFIER = /^[A-Za-z_][\w.]*$/;
const BARE_PATH = /^[\w./-]+$/;

interface OpenBlock {
  kind: string;
  line: number;
  /** Line of an `{% else %}` inside a `for` (its meaning differs; see closeBlock). */
  forElseLine: number;
}

/**
 * Translate a template written in Tornado's syntax into nunjucks source with the same meaning.
 *
 * - `{% end %}` becomes the end tag of the block it closes (`endblock`, `endfor`, `endif`,
 *   `endfilter` for `apply`), found with a stack of open blocks; nunjucks' own `{% endX %}` tags
 *   are accepted too and must match the open block.
 * - `{% raw expr %}` becomes `{{ (expr) | safe }}`; `{% module X(…) %}` becomes
 *   `{{ (_tt_modules.X(…)) | _tt_await | safe }}`; `{% apply f %}…{% end %}` becomes
 *   `{% filter _tt_apply(f) %}…{% endfilter %}`; `{% comment … %}` disappears; `{% extends
 *   x.html %}` and `{% include x.html %}` get quotes; `{{!`, `{%!`, `{#!` print the two braces.
 * - `{% autoescape None %}` (or another function) applies to every `{{ … }}` of the file, as in
 *   Tornado; `{% whitespace mode %}` folds the text that follows.
 * - `{% try %}`, `{% while %}`, `{% break %}`, `{% continue %}`, Python `import`, and a `for`
 *   with `else` closed by `{% end %}` (nunjucks runs a loop's `else` when the sequence is empty,
 *   Python when the loop ends without `break`) are refused.
 * - Expressions are copied as written: Python-only expressions (list comprehensions, `%`
 *   formatting, `dict.items()`) fail in nunjucks' parser or at render time and must be ported
 *   by hand (see the porting guide).
 *
 * Line numbers are kept: each line of the output holds what the same line of the source held, so
 * nunjucks' errors point at the right line. Throws `TemplateError` naming the template and the
 * line for a mismatched or missing `{% end %}` and for unsupported tags.
 */
export function translateTornadoTemplate(
  source: string,
  options: TornadoTranslateOptions = {},
): string {
  if (typeof source !== "string") throw new TypeError("template source must be a string");
  const name = options.name ?? "<string>";
  const tokens = tokenize(source, name);
  return new Translator(
    name,
    options.whitespace ?? defaultWhitespaceMode(name),
    options.autoescape ?? true,
    fileAutoescape(tokens, name),
  ).run(tokens);
}

function syntaxError(name: string, line: number, message: string): TemplateError {
  return new TemplateError(`${JSON.stringify(name)} line ${line}: ${message}`);
}

function countNewlines(s: string, from = 0, to = s.length): number {
  let n = 0;
  for (let i = s.indexOf("\n", from); i !== -1 && i < to; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

/** Split the source the way Tornado's `_parse` does: text, `{{ }}`, `{% %}`, `{# #}`. */
function tokenize(src: string, name: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  const push = (kind: number, end: number, body = "", trimLeft = false, trimRight = false) => {
    const text = src.slice(pos, end);
    tokens.push({ kind, source: text, body, line, trimLeft, trimRight });
    line += countNewlines(text);
    pos = end;
  };
  for (;;) {
    // The next "{{", "{%" or "{#"; of three or more braces in a row the innermost two count.
    let curly = pos;
    for (;;) {
      curly = src.indexOf("{", curly);
      if (curly === -1 || curly + 1 >= src.length) {
        if (pos < src.length) push(TEXT, src.length);
        return tokens;
      }
      const next = src[curly + 1];
      if (next !== "{" && next !== "%" && next !== "#") {
        curly++;
        continue;
      }
      if (next === "{" && src[curly + 2] === "{") {
        curly++;
        continue;
      }
      break;
    }
    if (curly > pos) push(TEXT, curly);
    const open = src.slice(curly, curly + 2);
    if (src[curly + 2] === "!") {
      push(LITERAL, curly + 3, open);
      continue;
    }
    const close = open === "{{" ? "}}" : open === "{%" ? "%}" : "#}";
    const end = src.indexOf(close, curly + 2);
    if (end === -1) {
      throw syntaxError(name, line, `missing ${close} for the ${open} opened here`);
    }
    if (open === "{#") {
      push(COMMENT, end + 2);
      continue;
    }
    let inner = src.slice(curly + 2, end);
    const trimLeft = inner.startsWith("-");
    if (trimLeft) inner = inner.slice(1);
    const trimRight = inner.endsWith("-");
    if (trimRight) inner = inner.slice(0, -1);
    const body = inner.trim();
    if (body === "") {
      throw syntaxError(name, line, open === "{{" ? "empty expression" : "empty tag {% %}");
    }
    if (open === "{{") {
      push(EXPRESSION, end + 2, body, trimLeft, trimRight);
      continue;
    }
    const [operator] = splitTag(body);
    if (operator === "raw" || operator === "verbatim") {
      if (body === operator) {
        push(VERBATIM, verbatimEnd(src, end + 2, operator, name, line));
        continue;
      }
    }
    push(TAG, end + 2, body, trimLeft, trimRight);
  }
}

/** Where the nunjucks raw/verbatim block that starts before `from` ends (nesting counted). */
function verbatimEnd(src: string, from: number, tag: string, name: string, line: number): number {
  const re = new RegExp(`\\{%-?\\s*(${tag}|end${tag})\\s*-?%\\}`, "g");
  re.lastIndex = from;
  let depth = 1;
  for (let m = re.exec(src); m !== null; m = re.exec(src)) {
    depth += m[1] === tag ? 1 : -1;
    if (depth === 0) return re.lastIndex;
  }
  throw syntaxError(name, line, `missing {% end${tag} %} for the {% ${tag} %} opened here`);
}

function splitTag(body: string): [string, string] {
  const space = body.search(/\s/);
  return space === -1 ? [body, ""] : [body.slice(0, space), body.slice(space + 1).trim()];
}

/**
 * The file's autoescape function from its last `{% autoescape %}` tag (Tornado applies it to the
 * whole file): undefined when there is none, null for `None`.
 */
function fileAutoescape(tokens: Token[], name: string): string | null | undefined {
  let fn: string | null | undefined;
  for (const t of tokens) {
    if (t.kind !== TAG) continue;
    const [operator, suffix] = splitTag(t.body);
    if (operator !== "autoescape") continue;
    if (suffix === "None") fn = null;
    else if (IDENTIFIER.test(suffix)) fn = suffix;
    else throw syntaxError(name, t.line, `{% autoescape %} expects a function name or None`);
  }
  return fn;
}

/** Tornado's `filter_whitespace`. */
function foldWhitespace(mode: WhitespaceMode, text: string): string {
  if (mode === "single") return text.replace(/[\t ]+/g, " ").replace(/\s*\n\s*/g, "\n");
  if (mode === "oneline") return text.replace(/\s+/g, " ");
  return text;
}

class Translator {
  private readonly out: string[] = [];
  private readonly stack: OpenBlock[] = [];
  /** Source newlines not yet written (folded away); written inside the next tag. */
  private pendingNewlines = 0;

  constructor(
    private readonly name: string,
    private whitespace: WhitespaceMode,
    private readonly envAutoescape: boolean,
    /** undefined: the engine's default; null: `{% autoescape None %}`; else a function name. */
    private readonly autoescapeFn: string | null | undefined,
  ) {}

  run(tokens: Token[]): string {
    for (const t of tokens) {
      switch (t.kind) {
        case TEXT:
          this.text(t.source);
          break;
        case EXPRESSION:
          this.emit(t, "{{", this.expression(t.body), "}}");
          break;
        case LITERAL:
          this.emit(t, "{{", JSON.stringify(t.body), "}}");
          break;
        case COMMENT:
        case VERBATIM:
          this.flushNewlines();
          this.out.push(t.source);
          break;
        default:
          this.tag(t);
      }
    }
    const open = this.stack.at(-1);
    if (open !== undefined) {
      throw this.error(open.line, `missing {% end %} for the {% ${open.kind} %} opened here`);
    }
    this.flushNewlines();
    return this.out.join("");
  }

  private error(line: number, message: string): TemplateError {
    return syntaxError(this.name, line, message);
  }

  private text(source: string): void {
    let text =
      this.whitespace === "all" || source.includes("<pre>")
        ? source
        : foldWhitespace(this.whitespace, source);
    this.pendingNewlines += countNewlines(source) - countNewlines(text);
    // nunjucks refuses "#}" outside a comment, which Tornado prints as text.
    if (text.includes("#}")) text = text.replaceAll("#}", '#{{ "}" }}');
    // A brace just before the next tag would join it ("{" + "{{" reads as "{{" + "{").
    if (text.endsWith("{")) text = `${text.slice(0, -1)}{{ "{" }}`;
    this.out.push(text);
  }

  /** Write the newlines that folding or a dropped tag took out, as an empty comment. */
  private flushNewlines(): void {
    if (this.pendingNewlines > 0) {
      this.out.push(`{#${"\n".repeat(this.pendingNewlines)}#}`);
      this.pendingNewlines = 0;
    }
  }

  /** Write a `{{ }}` or `{% %}` with `body`, keeping the source's newline count. */
  private emit(t: Token, open: string, body: string, close: string): void {
    const missing = this.pendingNewlines + countNewlines(t.source) - countNewlines(body);
    this.pendingNewlines = 0;
    this.out.push(
      `${open}${t.trimLeft ? "-" : ""} ${body} ${"\n".repeat(Math.max(0, missing))}${
        t.trimRight ? "-" : ""
      }${close}`,
    );
  }

  /** A tag that writes nothing: only its newlines stay. */
  private drop(t: Token): void {
    this.pendingNewlines += countNewlines(t.source);
  }

  private expression(expr: string): string {
    const fn = this.autoescapeFn;
    if (fn === undefined || fn === "xhtml_escape" || fn === "escape") {
      return fn === undefined || this.envAutoescape ? expr : `(${expr}) | escape`;
    }
    if (fn === null) return this.envAutoescape ? `(${expr}) | safe` : expr;
    return `(${fn}(${expr})) | safe`;
  }

  private tag(t: Token): void {
    const [operator, suffix] = splitTag(t.body);
    const unsupported = UNSUPPORTED[operator];
    if (unsupported !== undefined) {
      throw this.error(t.line, `{% ${operator} %} is not supported: ${unsupported}`);
    }
    const parents = INTERMEDIATE[operator];
    if (parents !== undefined) {
      this.intermediate(t, operator, parents);
      return;
    }
    if (operator === "end") {
      this.emit(t, "{%", this.closeBlock(t, null), "%}");
      return;
    }
    if (operator.startsWith("end") && END_TAGS.has(operator)) {
      this.emit(t, "{%", this.closeBlock(t, operator), "%}");
      return;
    }
    switch (operator) {
      case "comment":
      case "autoescape":
        this.drop(t);
        return;
      case "whitespace":
        if (!WHITESPACE_MODES.has(suffix)) {
          throw this.error(t.line, `invalid whitespace mode ${JSON.stringify(suffix)}`);
        }
        this.whitespace = suffix as WhitespaceMode;
        this.drop(t);
        return;
      case "raw":
        this.emit(t, "{{", `(${suffix}) | safe`, "}}");
        return;
      case "module":
        if (suffix === "") throw this.error(t.line, "{% module %} needs an expression");
        this.emit(t, "{{", `(_tt_modules.${suffix}) | _tt_await | safe`, "}}");
        return;
      case "extends":
      case "include":
        if (suffix === "") throw this.error(t.line, `{% ${operator} %} needs a template name`);
        this.emit(t, "{%", `${operator} ${quotePath(suffix)}`, "%}");
        return;
      case "import":
      case "from":
        // nunjucks' own `{% import "x.html" as x %}` names a template; Tornado's a Python module.
        if (!suffix.startsWith('"') && !suffix.startsWith("'")) {
          throw this.error(
            t.line,
            `{% ${operator} %} of a Python module is not supported: pass the function in the namespace or as a global`,
          );
        }
        this.emit(t, "{%", t.body, "%}");
        return;
      case "apply":
        if (suffix === "") throw this.error(t.line, "{% apply %} needs a function");
        this.open(t, "apply");
        this.emit(t, "{%", `filter _tt_apply(${suffix})`, "%}");
        return;
      case "set":
        // `{% set x = 1 %}` is a statement; nunjucks' `{% set x %}…{% endset %}` a block.
        if (!suffix.includes("=")) this.open(t, "set");
        this.emit(t, "{%", t.body, "%}");
        return;
      default:
        if (Object.hasOwn(END_TAG, operator)) this.open(t, operator);
        this.emit(t, "{%", t.body, "%}");
    }
  }

  private open(t: Token, kind: string): void {
    if (this.stack.length >= MAX_NESTING) {
      throw this.error(t.line, `blocks nested deeper than ${MAX_NESTING}`);
    }
    this.stack.push({ kind, line: t.line, forElseLine: 0 });
  }

  private intermediate(t: Token, operator: string, parents: readonly string[]): void {
    const top = this.stack.at(-1);
    if (top === undefined) {
      throw this.error(t.line, `{% ${operator} %} outside a ${parents.join("/")} block`);
    }
    if (!parents.includes(top.kind)) {
      throw this.error(
        t.line,
        `{% ${operator} %} cannot be attached to the {% ${top.kind} %} opened on line ${top.line}`,
      );
    }
    if (operator === "else" && top.kind !== "if") top.forElseLine = t.line;
    this.emit(t, "{%", t.body, "%}");
  }

  /** Pop the open block for `{% end %}` (endTag null) or `{% endX %}`; the tag to write. */
  private closeBlock(t: Token, endTag: string | null): string {
    const top = this.stack.pop();
    const written = endTag ?? "end";
    if (top === undefined) throw this.error(t.line, `{% ${written} %} with no open block`);
    const expected = END_TAG[top.kind];
    if (endTag !== null && endTag !== expected) {
      throw this.error(
        t.line,
        `{% ${written} %} closes the {% ${top.kind} %} opened on line ${top.line} (expected {% ${expected} %} or {% end %})`,
      );
    }
    if (endTag === null && top.forElseLine !== 0) {
      throw this.error(
        top.forElseLine,
        `{% else %} in a {% ${top.kind} %} closed by {% end %}: Tornado runs it when the loop ends without break, nunjucks when the sequence is empty; write {% if not … %} after the loop (or close it with {% endfor %} for the nunjucks meaning)`,
      );
    }
    return expected;
  }
}

/** `x.html` → `"x.html"` (Tornado accepts names without quotes); anything else as written. */
function quotePath(suffix: string): string {
  if (suffix.startsWith('"') || suffix.startsWith("'")) return suffix;
  if (BARE_PATH.test(suffix) && (suffix.includes(".") || suffix.includes("/"))) {
    return JSON.stringify(suffix);
  }
  return suffix;
}
