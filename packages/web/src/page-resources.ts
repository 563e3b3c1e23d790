// Page resources of UI modules: gathered once per page and put before </head> and </body> (Tornado's render()).

import { TemplateError } from "./errors.js";
import { xhtmlEscape } from "./escape.js";
import type { UIModule, UIModuleFiles } from "./ui-module.js";

/** What `insertPageResources` asks of the handler: static URLs and the four tag-writing hooks. */
export interface PageResourceWriter {
  staticUrl(path: string): string;
  renderLinkedJs(urls: readonly string[]): string;
  renderEmbedJs(code: readonly string[]): string;
  renderLinkedCss(urls: readonly string[]): string;
  renderEmbedCss(code: readonly string[]): string;
}

/** Tornado's `is_absolute`: a path used as it is, not through `staticUrl`. */
function isAbsolute(path: string): boolean {
  return path.startsWith("/") || path.startsWith("http:") || path.startsWith("https:");
}

function moduleName(module: UIModule): string {
  return module.constructor.name || "(anonymous UI module)";
}

/** A hook's text, or null for nothing; TypeError for what is neither. */
function textOf(module: UIModule, hook: string, value: unknown): string | null {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value !== "string") {
    throw new TypeError(`UI module ${moduleName(module)}: ${hook}() must return a string or null`);
  }
  return value;
}

/** Add a files hook's paths to `urls` as URLs, each once. */
function addFiles(
  writer: PageResourceWriter,
  module: UIModule,
  hook: string,
  files: UIModuleFiles,
  urls: string[],
  seen: Set<string>,
): void {
  if (files === null || files === undefined) return;
  const list = typeof files === "string" ? [files] : files;
  if (!Array.isArray(list)) {
    throw new TypeError(
      `UI module ${moduleName(module)}: ${hook}() must return a path, an array of paths or null`,
    );
  }
  for (const path of list) {
    if (typeof path !== "string" || path === "") {
      throw new TypeError(`UI module ${moduleName(module)}: ${hook}() returned a non-path entry`);
    }
    const url = isAbsolute(path) ? path : writer.staticUrl(path);
    if (!seen.has(url)) {
      seen.add(url);
      urls.push(url);
    }
  }
}

const HEAD_END_RE = /<\/head>/i;
const BODY_END_RE = /<\/body>/gi;

/** The index of the first `</head>` (any case), or -1. */
function headEnd(html: string): number {
  const i = html.indexOf("</head>");
  return i !== -1 ? i : html.search(HEAD_END_RE);
}

/** The index of the last `</body>` (any case), or -1. */
function bodyEnd(html: string): number {
  const i = html.lastIndexOf("</body>");
  if (i !== -1) return i;
  let at = -1;
  for (const m of html.matchAll(BODY_END_RE)) at = m.index;
  return at;
}

/**
 * `html` with the resources of `modules` (the UI modules the page used) inserted: CSS files,
 * embedded CSS and `htmlHead` parts before the first `</head>`; JavaScript files, embedded
 * JavaScript and `htmlBody` parts before the last `</body>` — each module's once, files once per
 * URL, in the order the modules were first used. `html` is returned as it is when there is
 * nothing to insert.
 *
 * @throws TemplateError when there is something for the head (or body) and `html` has no
 *   `</head>` (or `</body>`); TypeError when a module's hook returns something other than text
 *   or paths.
 */
export function insertPageResources(
  writer: PageResourceWriter,
  html: string,
  modules: Iterable<UIModule>,
  templateName: string,
): string {
  const jsUrls: string[] = [];
  const cssUrls: string[] = [];
  const jsSeen = new Set<string>();
  const cssSeen = new Set<string>();
  const jsEmbed: string[] = [];
  const cssEmbed: string[] = [];
  let heads = "";
  let bodies = "";
  for (const m of modules) {
    const js = textOf(m, "embeddedJavascript", m.embeddedJavascript());
    if (js !== null) jsEmbed.push(js);
    addFiles(writer, m, "javascriptFiles", m.javascriptFiles(), jsUrls, jsSeen);
    const css = textOf(m, "embeddedCss", m.embeddedCss());
    if (css !== null) cssEmbed.push(css);
    addFiles(writer, m, "cssFiles", m.cssFiles(), cssUrls, cssSeen);
    heads += textOf(m, "htmlHead", m.htmlHead()) ?? "";
    bodies += textOf(m, "htmlBody", m.htmlBody()) ?? "";
  }
  let head = "";
  if (cssUrls.length > 0) head += `${writer.renderLinkedCss(cssUrls)}\n`;
  if (cssEmbed.length > 0) head += `${writer.renderEmbedCss(cssEmbed)}\n`;
  if (heads !== "") head += `${heads}\n`;
  let body = "";
  if (jsUrls.length > 0) body += `${writer.renderLinkedJs(jsUrls)}\n`;
  if (jsEmbed.length > 0) body += `${writer.renderEmbedJs(jsEmbed)}\n`;
  if (bodies !== "") body += `${bodies}\n`;
  let out = html;
  if (body !== "") {
    const at = bodyEnd(out);
    if (at === -1) {
      throw new TemplateError(
        `template ${JSON.stringify(templateName)} uses UI modules with JavaScript or body HTML, but the page has no </body> to put it before`,
      );
    }
    out = out.slice(0, at) + body + out.slice(at);
  }
  if (head !== "") {
    const at = headEnd(out);
    if (at === -1) {
      throw new TemplateError(
        `template ${JSON.stringify(templateName)} uses UI modules with CSS or head HTML, but the page has no </head> to put it before`,
      );
    }
    out = out.slice(0, at) + head + out.slice(at);
  }
  return out;
}

/** `<script src="…"></script>` per URL (attribute values HTML-escaped). */
export function linkedJsHtml(urls: readonly string[]): string {
  let out = "";
  for (const url of urls) out += `<script src="${xhtmlEscape(url)}"></script>`;
  return out;
}

/** One `<script>` holding every module's embedded JavaScript. */
export function embedJsHtml(code: readonly string[]): string {
  return `<script>\n${code.join("\n")}\n</script>`;
}

/** `<link rel="stylesheet" href="…">` per URL (attribute values HTML-escaped). */
export function linkedCssHtml(urls: readonly string[]): string {
  let out = "";
  for (const url of urls) out += `<link rel="stylesheet" href="${xhtmlEscape(url)}">`;
  return out;
}

/** One `<style>` holding every module's embedded CSS. */
export function embedCssHtml(code: readonly string[]): string {
  return `<style>\n${code.join("\n")}\n</style>`;
}
