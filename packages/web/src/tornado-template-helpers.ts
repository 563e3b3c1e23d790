// Tornado's template helpers (escape, url_escape, json_encode, squeeze, linkify) as nunjucks globals and filters, and Tornado's namespace names.

import {
  jsonEncode,
  type LinkifyOptions,
  linkify,
  squeeze,
  urlEscape,
  xhtmlEscape,
} from "./escape.js";

/** The part of a nunjucks Environment the helpers are installed through. */
interface HelperHost {
  addGlobal(name: string, value: unknown): unknown;
  addFilter(name: string, fn: (...args: never[]) => unknown, async?: boolean): unknown;
}

/** Marks a string as safe HTML for nunjucks' autoescaping (`nunjucks.runtime.markSafe`). */
type MarkSafe = (value: string) => unknown;

/** Keyword arguments as nunjucks passes them: a last argument object flagged `__keywords`. */
type Keywords = Record<string, unknown> & { __keywords?: true };

function splitKeywords(args: unknown[]): [unknown[], Keywords] {
  const last = args.at(-1);
  if (last !== null && typeof last === "object" && (last as Keywords).__keywords === true) {
    return [args.slice(0, -1), last as Keywords];
  }
  return [args, {}];
}

/** Tornado's `url_escape(value, plus=True)`, positional or keyword `plus`. */
function tornadoUrlEscape(...args: unknown[]): string {
  const [pos, kw] = splitKeywords(args);
  const plus = kw.plus ?? pos[1] ?? true;
  return urlEscape(String(pos[0] ?? ""), plus !== false);
}

/**
 * Tornado's `linkify(text, shorten=False, extra_params="", require_protocol=False,
 * permitted_protocols=["http", "https"])`, positional or keyword arguments.
 */
function tornadoLinkify(...args: unknown[]): string {
  const [pos, kw] = splitKeywords(args);
  const pick = (key: string, index: number) => kw[key] ?? pos[index];
  const options: LinkifyOptions = {};
  const shorten = pick("shorten", 1);
  if (shorten !== undefined) options.shorten = shorten === true;
  const extra = pick("extra_params", 2);
  if (typeof extra === "string" || typeof extra === "function") {
    options.extraParams = extra as LinkifyOptions["extraParams"];
  }
  const requireProtocol = pick("require_protocol", 3);
  if (requireProtocol !== undefined) options.requireProtocol = requireProtocol === true;
  const permitted = pick("permitted_protocols", 4);
  if (Array.isArray(permitted)) options.permittedProtocols = permitted.map(String);
  return linkify(String(pos[0] ?? ""), options);
}

function tornadoJsonEncode(value: unknown): string {
  return jsonEncode(value);
}

function tornadoSqueeze(value: unknown): string {
  return squeeze(String(value ?? ""));
}

/**
 * Install Tornado's template functions on a nunjucks environment.
 *
 * Globals, called as in Tornado and returning plain strings, so that autoescaping treats them as
 * Tornado's does (`{{ escape(x) }}` escapes twice there too; write `{{ x }}` or
 * `{% raw escape(x) %}`): `escape`, `xhtml_escape`, `url_escape`, `json_encode`, `squeeze`,
 * `linkify`, and the camelCase `xhtmlEscape`, `urlEscape`, `jsonEncode`; and Python's `True`,
 * `False` and `None`, which nunjucks would otherwise read as undefined variables.
 *
 * Filters, the nunjucks way: `| xhtml_escape` and `| linkify` return safe HTML (they escape their
 * input themselves); `| url_escape`, `| json_encode` and `| squeeze` return text that
 * autoescaping still escapes (inside `<script>`, write `{{ data | json_encode | safe }}`).
 *
 * Internal filters used by the Tornado-syntax translation: `_tt_apply(body, fn)` (an
 * `{% apply %}` block: `fn(body)`, not escaped again) and `_tt_await` (async: waits for a
 * Promise, for `{% module %}` calls that return one).
 */
export function installTornadoHelpers(env: HelperHost, markSafe: MarkSafe): void {
  const globals: [string, unknown][] = [
    ["escape", xhtmlEscape],
    ["xhtml_escape", xhtmlEscape],
    ["xhtmlEscape", xhtmlEscape],
    ["url_escape", tornadoUrlEscape],
    ["urlEscape", tornadoUrlEscape],
    ["json_encode", tornadoJsonEncode],
    ["jsonEncode", tornadoJsonEncode],
    ["squeeze", tornadoSqueeze],
    ["linkify", tornadoLinkify],
  ];
  for (const [name, fn] of globals) env.addGlobal(name, fn);
  // Python's literals, which nunjucks would otherwise read as undefined variables (falsy).
  env.addGlobal("True", true);
  env.addGlobal("False", false);
  env.addGlobal("None", null);

  env.addFilter("xhtml_escape", (value: unknown) => markSafe(xhtmlEscape(value)));
  env.addFilter("linkify", (...args: unknown[]) => markSafe(tornadoLinkify(...args)));
  env.addFilter("url_escape", tornadoUrlEscape);
  env.addFilter("json_encode", tornadoJsonEncode);
  env.addFilter("squeeze", tornadoSqueeze);

  env.addFilter("_tt_apply", (body: unknown, fn: unknown) => {
    if (typeof fn !== "function") {
      throw new TypeError(`{% apply %} needs a function, got ${typeof fn}`);
    }
    return markSafe(String(fn(String(body ?? ""))));
  });
  env.addFilter(
    "_tt_await",
    (value: unknown, done: (err: unknown, result?: unknown) => void) => {
      Promise.resolve(value).then(
        (result) => done(null, result),
        (err) => done(err),
      );
    },
    true,
  );
}

/**
 * Tornado's names for what `RequestHandler.getTemplateNamespace()` provides in camelCase; each
 * is added to a template's namespace when the camelCase one is there and the Tornado one is not.
 */
export const TORNADO_NAMESPACE_ALIASES: readonly (readonly [tornado: string, ours: string])[] = [
  ["current_user", "currentUser"],
  ["static_url", "staticUrl"],
  ["xsrf_form_html", "xsrfFormHtml"],
  ["reverse_url", "reverseUrl"],
];

/** Copy `namespace` with {@link TORNADO_NAMESPACE_ALIASES} added. */
export function withTornadoNames(namespace: Record<string, unknown>): Record<string, unknown> {
  const ctx: Record<string, unknown> = { ...namespace };
  for (const [tornado, ours] of TORNADO_NAMESPACE_ALIASES) {
    if (!(tornado in ctx) && ours in ctx) ctx[tornado] = ctx[ours];
  }
  return ctx;
}
