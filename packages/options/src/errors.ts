// Errors of @t/options: a command line or config file that does not parse, and a help request.

/**
 * The command line (or the environment) did not parse: an unknown flag, a missing or invalid
 * value. Thrown by `parseCommandLine` with `exitOnError: false`; otherwise the message is
 * printed and the process exits with `exitCode`.
 */
export class OptionsParseError extends Error {
  override readonly name = "OptionsParseError";
  /** Stable code. */
  readonly code = "T_ERR_OPTIONS_PARSE";
  /** The exit status a command-line program uses for it (1). */
  readonly exitCode: number;

  constructor(message: string, exitCode = 1, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

/**
 * `--help` was given: `text` is the generated help. Thrown by `parseCommandLine` with
 * `exitOnError: false`; otherwise the help is printed and the process exits with status 0.
 */
export class OptionsHelpRequested extends Error {
  override readonly name = "OptionsHelpRequested";
  /** Stable code. */
  readonly code = "T_ERR_OPTIONS_HELP";
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
export class OptionsConfigError extends Error {
  override readonly name = "OptionsConfigError";
  /** Stable code. */
  readonly code = "T_ERR_OPTIONS_CONFIG";

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
