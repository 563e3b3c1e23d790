// A nunjucks template loader confined to one directory: refuses absolute names and names that climb out of it.

import { readFileSync } from "node:fs";
import { join, posix } from "node:path";
import { TemplateError } from "./errors.js";
import { translateTornadoTemplate, type WhitespaceMode } from "./tornado-template-syntax.js";

/** Options of {@link ConfinedTemplateLoader}. */
export interface ConfinedTemplateLoaderOptions {
  /** The directory templates are read from. */
  root: string;
  /** Added to names whose last segment has no `.` (e.g. ".html"; "" adds nothing). */
  extension: string;
  /** Keep compiled templates (nunjucks' cache); false re-reads the file on every render. */
  cache: boolean;
  /** Translate Tornado syntax (`{% end %}`, `{% raw %}`…) before nunjucks parses the file. */
  tornadoSyntax: boolean;
  /** Whitespace mode for every file (default: Tornado's rule by extension). */
  whitespace: WhitespaceMode | undefined;
  /** Whether the environment autoescapes (passed to the translation). */
  autoescape: boolean;
}

/** What nunjucks expects back from `getSource`. */
export interface LoadedSource {
  src: string;
  path: string;
  noCache: boolean;
}

const WINDOWS_DRIVE = /^[A-Za-z]:/;

/**
 * Reads templates below `root` for a nunjucks Environment, with three differences from nunjucks'
 * `FileSystemLoader`:
 * - A name is refused (`TemplateError`) when it is absolute or holds a `..` segment (after a
 *   relative include was resolved), a backslash or a NUL. `FileSystemLoader` only checks that the resolved path
 *   *starts with* the root, so `../templates-old/x.html` next to `templates/` gets through.
 * - With Tornado syntax, `{% include %}` and `{% extends %}` names are relative to the including
 *   template's directory (Tornado's `resolve_path`); otherwise only `./` and `../` names are.
 * - The template's `path` (shown in nunjucks' error messages) is its name, not a file system path.
 *
 * Symbolic links inside the directory are followed: they are the application's own files.
 */
export class ConfinedTemplateLoader {
  private readonly options: ConfinedTemplateLoaderOptions;
  /** nunjucks' per-loader cache of compiled templates, keyed by name (null prototype). */
  private compiled: Record<string, unknown> = Object.create(null);

  constructor(options: ConfinedTemplateLoaderOptions) {
    this.options = options;
  }

  /** nunjucks assigns `{}` here; keep a null-prototype copy so `__proto__.html` is a plain key. */
  get cache(): Record<string, unknown> {
    return this.compiled;
  }

  set cache(value: Record<string, unknown>) {
    this.compiled = Object.assign(Object.create(null), value);
  }

  /** Normalize `name` to a path relative to the root, or throw TemplateError if it leaves it. */
  checkName(name: string): string {
    if (typeof name !== "string" || name.length === 0) {
      throw new TemplateError("template name must be a non-empty string");
    }
    if (
      name.startsWith("/") ||
      WINDOWS_DRIVE.test(name) ||
      name.includes("\\") ||
      name.includes("\0")
    ) {
      throw new TemplateError(
        `template name ${JSON.stringify(name)} refused: absolute, or holds a backslash or NUL`,
      );
    }
    // Relative includes arrive here already resolved (see resolve()), so a `..` left in a name
    // always means a way out of the directory.
    if (name.split("/").includes("..")) {
      throw new TemplateError(
        `template name ${JSON.stringify(name)} refused: it leaves the template directory`,
      );
    }
    const normal = posix.normalize(name);
    const last = normal.slice(normal.lastIndexOf("/") + 1);
    return last.includes(".") || this.options.extension === ""
      ? normal
      : `${normal}${this.options.extension}`;
  }

  /** The template's source (translated from Tornado syntax when asked), or null if no such file. */
  getSource(name: string): LoadedSource | null {
    const rel = this.checkName(name);
    let src: string;
    try {
      src = readFileSync(join(this.options.root, rel), "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "EISDIR" || code === "ENOTDIR") return null;
      throw err;
    }
    const o = this.options;
    if (o.tornadoSyntax) {
      src = translateTornadoTemplate(src, {
        name: rel,
        whitespace: o.whitespace,
        autoescape: o.autoescape,
      });
    }
    return { src, path: rel, noCache: !o.cache };
  }

  /** Whether nunjucks should resolve `name` against the including template (see the class). */
  isRelative(name: string): boolean {
    if (this.options.tornadoSyntax) return !name.startsWith("/");
    return name.startsWith("./") || name.startsWith("../");
  }

  /** `to` relative to the directory of template `from` (both names below the root). */
  resolve(from: string, to: string): string {
    return posix.join(posix.dirname(from), to);
  }
}
