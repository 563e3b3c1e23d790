// translateTornadoTemplate: `{% end %}` by tag kind, Tornado-only tags, refused tags with their line, whitespace, line numbers kept.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultWhitespaceMode, TemplateError, translateTornadoTemplate } from "../src/index.js";

const t = (src: string, name = "t.txt") => translateTornadoTemplate(src, { name });

/** The TemplateError `fn` throws (fails the test when it throws nothing or something else). */
function errorOf(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return err as TemplateError;
  }
  throw new Error("expected a TemplateError");
}

describe("{% end %} closes the open block by its kind", () => {
  it.each([
    ["{% block title %}x{% end %}", "{% block title %}x{% endblock %}"],
    ["{% for a in b %}x{% end %}", "{% for a in b %}x{% endfor %}"],
    [
      "{% if a %}x{% elif b %}y{% else %}z{% end %}",
      "{% if a %}x{% elif b %}y{% else %}z{% endif %}",
    ],
    ["{% apply squeeze %}x{% end %}", "{% filter _tt_apply(squeeze) %}x{% endfilter %}"],
    ["{% set x %}x{% end %}", "{% set x %}x{% endset %}"],
    ["{% macro m(a) %}x{% end %}", "{% macro m(a) %}x{% endmacro %}"],
    ["{% call m(1) %}x{% end %}", "{% call m(1) %}x{% endcall %}"],
    ["{% filter upper %}x{% end %}", "{% filter upper %}x{% endfilter %}"],
    [
      "{% switch a %}{% case 1 %}x{% default %}y{% end %}",
      "{% switch a %}{% case 1 %}x{% default %}y{% endswitch %}",
    ],
    ["{% asyncEach a in b %}x{% end %}", "{% asyncEach a in b %}x{% endeach %}"],
    ["{% asyncAll a in b %}x{% end %}", "{% asyncAll a in b %}x{% endall %}"],
  ])("%s", (src, out) => {
    expect(t(src)).toBe(out);
  });

  it("nests: each {% end %} closes the innermost open block", () => {
    expect(t("{% block b %}{% for x in xs %}{% if x %}{{ x }}{% end %}{% end %}{% end %}")).toBe(
      "{% block b %}{% for x in xs %}{% if x %}{{ x }}{% endif %}{% endfor %}{% endblock %}",
    );
  });

  it("accepts nunjucks' own end tags when they match, and mixes them with {% end %}", () => {
    expect(t("{% if a %}{% for x in xs %}{{ x }}{% endfor %}{% end %}")).toBe(
      "{% if a %}{% for x in xs %}{{ x }}{% endfor %}{% endif %}",
    );
  });

  it("keeps whitespace-control markers", () => {
    expect(t("{%- if a -%} x {%- end -%}")).toBe("{%- if a -%} x {%- endif -%}");
  });

  it("an inline {% set x = 1 %} opens no block", () => {
    expect(t("{% if a %}{% set x = 1 %}{{ x }}{% end %}")).toBe(
      "{% if a %}{% set x = 1 %}{{ x }}{% endif %}",
    );
  });
});

describe("mismatched, extra and missing ends are refused with their line", () => {
  it("an end tag of another kind names both lines", () => {
    const err = errorOf(() =>
      t("<ul>\n{% for i in xs %}\n  {% if i %}\n  {% endfor %}\n{% end %}"),
    );
    expect(err.code).toBe("T_ERR_TEMPLATE");
    expect(err.message).toBe(
      '"t.txt" line 4: {% endfor %} closes the {% if %} opened on line 3 (expected {% endif %} or {% end %})',
    );
  });

  it("an {% end %} with no open block", () => {
    expect(errorOf(() => t("{% if a %}x{% end %}\n\n{% end %}")).message).toBe(
      '"t.txt" line 3: {% end %} with no open block',
    );
  });

  it("a block left open at the end of the file names the line that opened it", () => {
    expect(errorOf(() => t("a\n{% block b %}\n{% for x in y %}{% end %}")).message).toBe(
      '"t.txt" line 2: missing {% end %} for the {% block %} opened here',
    );
  });

  it("an intermediate tag in the wrong block, or outside any", () => {
    expect(errorOf(() => t("{% for x in y %}\n{% elif z %}{% end %}")).message).toMatch(
      /^"t\.txt" line 2: \{% elif %\} cannot be attached to the \{% for %\} opened on line 1/,
    );
    expect(errorOf(() => t("x\n{% else %}")).message).toMatch(
      /^"t\.txt" line 2: \{% else %\} outside/,
    );
  });

  it("unterminated tags and empty expressions", () => {
    expect(errorOf(() => t("a\n{{ x")).message).toBe(
      '"t.txt" line 2: missing }} for the {{ opened here',
    );
    expect(errorOf(() => t("{% if x")).message).toBe(
      '"t.txt" line 1: missing %} for the {% opened here',
    );
    expect(errorOf(() => t("{# x")).message).toBe(
      '"t.txt" line 1: missing #} for the {# opened here',
    );
    expect(errorOf(() => t("\n{{ }}")).message).toBe('"t.txt" line 2: empty expression');
    expect(errorOf(() => t("{%  %}")).message).toBe('"t.txt" line 1: empty tag {% %}');
  });

  it("refuses blocks nested deeper than 200", () => {
    const deep = "{% if a %}".repeat(201) + "{% end %}".repeat(201);
    expect(errorOf(() => t(deep)).message).toMatch(/nested deeper than 200/);
    const ok = "{% if a %}".repeat(200) + "{% end %}".repeat(200);
    expect(t(ok)).toBe("{% if a %}".repeat(200) + "{% endif %}".repeat(200));
  });
});

describe("Tornado-only tags", () => {
  it("{% raw expr %} writes without escaping", () => {
    expect(t("{% raw user.bio %}")).toBe("{{ (user.bio) | safe }}");
  });

  it("{% raw %} alone is nunjucks' verbatim block, copied whole (nesting counted)", () => {
    const src = "{% raw %}{% end %}{{ x }}{% raw %}{% endraw %}{% endraw %}|{{ y }}";
    expect(t(src)).toBe(src);
    expect(errorOf(() => t("\n{% raw %}{% end %}")).message).toBe(
      '"t.txt" line 2: missing {% endraw %} for the {% raw %} opened here',
    );
  });

  it("{% module X(args) %} calls the namespace's modules, awaited and not escaped", () => {
    expect(t('{% module Template("card.html", title=t) %}')).toBe(
      '{{ (_tt_modules.Template("card.html", title=t)) | _tt_await | safe }}',
    );
    expect(errorOf(() => t("{% module %}")).message).toMatch(
      /line 1: \{% module %\} needs an expression/,
    );
  });

  it("{% comment %}, {% autoescape %} and {% whitespace %} write nothing", () => {
    expect(
      t("a{% comment this is gone %}b{% autoescape xhtml_escape %}c{% whitespace all %}d"),
    ).toBe("abcd");
  });

  it("{# comments #} stay comments", () => {
    expect(t("a{# note {% end %} #}b")).toBe("a{# note {% end %} #}b");
  });

  it("{{!, {%! and {#! print the two braces", () => {
    expect(t("{{! x }}{%! y %}{#! z #}")).toBe(
      '{{ "{{" }} x }}{{ "{%" }} y %}{{ "{#" }} z #{{ "}" }}',
    );
  });

  it("of three braces in a row the inner two open the expression, as in Tornado", () => {
    expect(t("{{{ x }}}")).toBe('{{ "{" }}{{ x }}}');
  });

  it("extends and include names get quotes when written bare", () => {
    expect(t("{% extends base.html %}{% include partials/nav.html %}")).toBe(
      '{% extends "base.html" %}{% include "partials/nav.html" %}',
    );
    expect(t("{% include 'x.html' %}{% include name %}")).toBe(
      "{% include 'x.html' %}{% include name %}",
    );
  });

  it("nunjucks' template imports pass; Python imports are refused", () => {
    expect(t('{% import "forms.html" as forms %}{% from "forms.html" import field %}')).toBe(
      '{% import "forms.html" as forms %}{% from "forms.html" import field %}',
    );
    expect(errorOf(() => t("\n{% import os %}")).message).toMatch(
      /^"t\.txt" line 2: \{% import %\} of a Python module is not supported/,
    );
    expect(errorOf(() => t("{% from datetime import date %}")).message).toMatch(
      /line 1: \{% from %\}/,
    );
  });

  it.each([
    ["try", "{% try %}x{% except %}y{% end %}"],
    ["while", "{% while a %}x{% end %}"],
    ["break", "{% for a in b %}{% break %}{% end %}"],
    ["continue", "{% for a in b %}{% continue %}{% end %}"],
  ])("refuses {%% %s %%} with its line", (tag, src) => {
    const err = errorOf(() => t(`\n\n${src}`));
    expect(err.message).toMatch(
      new RegExp(`^"t\\.txt" line 3: \\{% ${tag} %\\} is not supported: `),
    );
  });

  it("a for-else closed by {% end %} is refused (Python's else differs); closed by {% endfor %} it is nunjucks'", () => {
    expect(errorOf(() => t("{% for a in b %}\n{% else %}\nnone\n{% end %}")).message).toMatch(
      /^"t\.txt" line 2: \{% else %\} in a \{% for %\} closed by \{% end %\}/,
    );
    expect(t("{% for a in b %}x{% else %}none{% endfor %}")).toBe(
      "{% for a in b %}x{% else %}none{% endfor %}",
    );
  });

  it("{% apply %} without a function and {% extends %} without a name are refused", () => {
    expect(errorOf(() => t("{% apply %}x{% end %}")).message).toMatch(/needs a function/);
    expect(errorOf(() => t("{% extends %}")).message).toMatch(/needs a template name/);
  });
});

describe("{% autoescape %} applies to every expression of the file, as in Tornado", () => {
  it("None (even when written after the expressions) writes them unescaped", () => {
    expect(t("{{ a }}{% autoescape None %}{{ b | upper }}")).toBe(
      "{{ (a) | safe }}{{ (b | upper) | safe }}",
    );
  });

  it("another function is applied instead of HTML escaping", () => {
    expect(t("{% autoescape url_escape %}{{ q }}")).toBe("{{ (url_escape(q)) | safe }}");
  });

  it("xhtml_escape with the environment's autoescaping off escapes with the filter", () => {
    const src = "{% autoescape xhtml_escape %}{{ q }}";
    expect(translateTornadoTemplate(src, { autoescape: false })).toBe("{{ (q) | escape }}");
    expect(translateTornadoTemplate("{{ q }}", { autoescape: false })).toBe("{{ q }}");
  });

  it("refuses an autoescape that is no function name", () => {
    expect(errorOf(() => t("\n{% autoescape 1+1 %}")).message).toMatch(/^"t\.txt" line 2: /);
  });
});

describe("whitespace modes (Tornado's filter_whitespace)", () => {
  it("defaults to single for .html and .js names, all otherwise", () => {
    expect(defaultWhitespaceMode("a.html")).toBe("single");
    expect(defaultWhitespaceMode("a.js")).toBe("single");
    expect(defaultWhitespaceMode("a.txt")).toBe("all");
  });

  it("single folds spaces and the whitespace around newlines; the lost newlines stay as a comment", () => {
    expect(t("a    b\n\n   c{{ x }}", "p.html")).toBe("a b\nc{{ x \n}}");
  });

  it("oneline folds every run; text with <pre> is kept; all keeps everything", () => {
    const src =
      "{% whitespace oneline %}a\n  b{% if x %}<pre>\n  p</pre>{% end %}{% whitespace all %}c  \n d";
    expect(t(src, "p.html")).toBe("a b{% if x \n%}<pre>\n  p</pre>{% endif %}c  \n d");
  });

  it("refuses an unknown mode", () => {
    expect(errorOf(() => t("{% whitespace some %}")).message).toMatch(
      /invalid whitespace mode "some"/,
    );
  });
});

describe("properties", () => {
  const pieces = fc.constantFrom(
    "{{ x }}",
    "{% if a %}",
    "{% for i in xs %}",
    "{% end %}",
    "{% else %}",
    "{% raw y %}",
    "{# c #}",
    "{{!",
    "{",
    "}",
    "#}",
    "%}",
    "\n",
    "  ",
    "text",
    "<pre>",
    "{% whitespace oneline %}",
    "{% comment \n gone %}",
  );
  const sources = fc.array(pieces, { maxLength: 40 }).map((a) => a.join(""));

  it("any input translates or throws a TemplateError, never anything else", () => {
    fc.assert(
      fc.property(fc.oneof(sources, fc.string()), (src) => {
        try {
          expect(typeof translateTornadoTemplate(src, { name: "p.html" })).toBe("string");
        } catch (err) {
          expect(err).toBeInstanceOf(TemplateError);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("the output has exactly the source's newlines, so nunjucks' line numbers stay right", () => {
    const lines = (s: string) => s.split("\n").length;
    fc.assert(
      fc.property(sources, fc.constantFrom("p.html", "p.txt"), (src, name) => {
        let out: string;
        try {
          out = translateTornadoTemplate(src, { name });
        } catch {
          return;
        }
        expect(lines(out)).toBe(lines(src));
      }),
      { numRuns: 500 },
    );
  });

  it("text without template syntax is unchanged in whitespace mode all", () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/[{#]/.test(s)),
        (src) => {
          expect(translateTornadoTemplate(src, { whitespace: "all" })).toBe(src);
        },
      ),
    );
  });
});
