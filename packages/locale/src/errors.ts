// Error classes of @t/locale, each with a stable `code` a program may branch on.

/**
 * Base class of every error @t/locale throws: catch them all with `instanceof LocaleError` (within
 * one installed copy of the package) or branch on `code`, which is stable across versions and
 * copies. The base's own code, `T_ERR_LOCALE`, is never thrown by the package itself.
 *
 * Mistakes in a call (a code that is not a locale code, a plural message without a count, a date
 * that is not a date) are `TypeError` or `RangeError`, not `LocaleError`s.
 */
export class LocaleError extends Error {
  override readonly name: string = "LocaleError";
  /** Stable machine-readable code, e.g. `T_ERR_LOCALE_FILE`. */
  readonly code: string = "T_ERR_LOCALE";
  /** The file (or folder) the error is about; `""` when none. */
  readonly path: string;

  /**
   * @param message - what went wrong.
   * @param path - the file or folder concerned (`""` if none).
   * @param options - `cause`: the underlying error.
   */
  constructor(message?: string, path = "", options?: ErrorOptions) {
    super(message, options);
    this.path = path;
  }
}

/**
 * A translation file or folder could not be used: it cannot be read, its bytes are not valid in
 * its encoding, its CSV or `.po`/`.mo` content does not parse, a CSV row has an unknown plural
 * indicator, or its name is not a locale code (`fr_FR.csv`, `pt_BR/LC_MESSAGES/app.mo`). `path`
 * names the file and `line` the 1-based line (0 when not known).
 */
export class TranslationFileError extends LocaleError {
  override readonly name = "TranslationFileError";
  override readonly code = "T_ERR_LOCALE_FILE";
  /** The 1-based line of the problem, or 0 when not known. */
  readonly line: number;

  /**
   * @param message - what is wrong and what was expected.
   * @param path - the file or folder.
   * @param line - the 1-based line, or 0.
   * @param options - `cause`: the underlying error (a system error, a parser's error).
   */
  constructor(message?: string, path = "", line = 0, options?: ErrorOptions) {
    super(message, path, options);
    this.line = line;
  }
}

/**
 * A gettext catalog's `Plural-Forms` header is not one this package evaluates: not of the form
 * `nplurals=N; plural=EXPR;`, `nplurals` outside 1..100, or `EXPR` outside the C subset gettext
 * uses (`n`, integers, `! * / % + - < <= > >= == != && || ?:` and parentheses), longer than
 * 1024 characters or nested deeper than 64 levels. The expression is parsed, never evaluated as
 * code.
 */
export class PluralFormsError extends LocaleError {
  override readonly name = "PluralFormsError";
  override readonly code = "T_ERR_LOCALE_PLURAL_FORMS";
  /** The header value that was refused. */
  readonly header: string;

  /**
   * @param message - what is wrong with the header.
   * @param header - the `Plural-Forms` value.
   * @param path - the catalog file (`""` when the header was given directly).
   */
  constructor(message?: string, header = "", path = "") {
    super(message, path);
    this.header = header;
  }
}

/** Every class of this package with its code (also the README's Errors table). */
export const ERROR_CODES = Object.freeze({
  LocaleError: "T_ERR_LOCALE",
  TranslationFileError: "T_ERR_LOCALE_FILE",
  PluralFormsError: "T_ERR_LOCALE_PLURAL_FORMS",
} as const);
