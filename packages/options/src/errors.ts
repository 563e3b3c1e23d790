// Errors of @t/options: a command line or config file that does not parse, and a help request.

/**
 * Base class of every error @t/options throws: catch them all with `instanceof OptionsError`
 * (within one installed copy of the package) or branch on `code`, which is stable across versions
 * and copies. The base's own code, `T_ERR_OPTIONS`, is never thrown by the package itself.
 */
export class OptionsError extends Error {
  override readonly name: string = "OptionsError";
  /** Stable machine-readable code, e.g. `T_ERR_OPTIONS_PARSE`. */
  readonly code: string = "T_ERR_OPTIONS";
}

/**
 * The command line (or the environment) did not parse: an unknown flag, a missing or invalid
 * value. Thrown by `parseCommandLine` with `exitOnError: false`; otherwise the message is
 * printed and the process exits with `exitCode`.
 */
export class OptionsParseError extends OptionsError {
  override readonly name = "OptionsParseError";
  /** Stable code. */
  override readonly code = "T_ERR_OPTIONS_PARSE";
  /** The exit status a command-line program uses for it (1). */
  readonly exitCode: number;

  constructor(message: string, exitCode = 1, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/**
 * `--help` was given: `text` is the generated help. Thrown by `parseCommandLine` with
 * `exitOnError: false`; otherwise the help is printed and the process exits with status 0.
 */
export class OptionsHelpRequested extends OptionsError {
  override readonly name = "OptionsHelpRequested";
  /** Stable code. */
  override readonly code = "T_ERR_OPTIONS_HELP";
  /** The help text. */
  readonly text: string;

  constructor(text: string) {
    super("help requested (--help)");
    this.text = text;
  }
}

/**
 * A config file could not be read or parsed, names an unknown option, or gives an option a
 * value that does not parse (the message names the file and the option).
 */
export class OptionsConfigError extends OptionsError {
  override readonly name = "OptionsConfigError";
  /** Stable code. */
  override readonly code = "T_ERR_OPTIONS_CONFIG";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Every code of this package, by class name (the README's Errors table lists each). Compare
 * `err.code` with these rather than using `instanceof` across package boundaries: a program may
 * load two copies of @t/options.
 */
export const ERROR_CODES = Object.freeze({
  OptionsError: "T_ERR_OPTIONS",
  OptionsParseError: "T_ERR_OPTIONS_PARSE",
  OptionsHelpRequested: "T_ERR_OPTIONS_HELP",
  OptionsConfigError: "T_ERR_OPTIONS_CONFIG",
} as const);
