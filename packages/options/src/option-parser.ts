// OptionParser: a set of defined options, parsed from the command line, environment and a config file.

import { readFileSync } from "node:fs";
import {
  Command,
  CommanderError,
  Option as CommanderOption,
  Help,
  InvalidArgumentError,
} from "commander";
import { OptionsConfigError, OptionsHelpRequested, OptionsParseError } from "./errors.js";
import { camelName, Option, type OptionSpec, type OptionType, type OptionTypes } from "./option.js";

/** Options of an OptionParser (what `--help` says about the program). */
export interface OptionParserOptions {
  /** The program's name in `--help` (default: the script's file name). */
  name?: string;
  /** A sentence under the usage line of `--help`. */
  description?: string;
  /** Accept arguments that are not options and return them from `parseCommandLine` (default true). */
  allowExcessArguments?: boolean;
}

/** Options of `parseCommandLine`. */
export interface ParseCommandLineOptions {
  /**
   * On a bad command line or `--help`, print and exit the process (default true, as a CLI
   * wants). With false, throw OptionsParseError / OptionsHelpRequested instead.
   */
  exitOnError?: boolean;
  /** The environment to read option variables from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Run the parse callbacks afterwards (Tornado's `final`; default true). */
  final?: boolean;
}

/** Options of `parseConfigFile`. */
export interface ParseConfigFileOptions {
  /** Run the parse callbacks afterwards (default true). */
  final?: boolean;
}

type Value<K extends OptionType, M> = M extends true ? OptionTypes[K][] : OptionTypes[K];

/**
 * A collection of options (Tornado's `OptionParser`): `define` them where they are used, then
 * `parseConfigFile` and `parseCommandLine` once at startup. Precedence, whatever the order of
 * the calls: the command line, then the environment, then the config file, then the default.
 * `--help` is generated from the definitions. Built on commander.
 */
export class OptionParser {
  private readonly defined = new Map<string, Option>();
  private readonly config: OptionParserOptions;
  private readonly parseCallbacks: (() => void)[] = [];

  constructor(config: OptionParserOptions = {}) {
    if (config === null || typeof config !== "object") {
      throw new TypeError("OptionParser options must be an object");
    }
    this.config = config;
  }

  /**
   * Define an option (Tornado's `define`) and return it; read `.value` after parsing. The
   * name may be camelCase, kebab-case or snake_case: `maxUploadMb` is `--max-upload-mb` and
   * `asObject().maxUploadMb`. Defining a name twice is a TypeError.
   */
  define<K extends OptionType, M extends boolean | undefined = undefined>(
    name: string,
    spec: OptionSpec<K> & { multiple?: M; default: Value<K, M> },
  ): Option<Value<K, M>>;
  define<M extends boolean | undefined = undefined>(
    name: string,
    spec: OptionSpec<"boolean"> & { multiple?: M },
  ): Option<Value<"boolean", M>>;
  define<K extends OptionType, M extends boolean | undefined = undefined>(
    name: string,
    spec: OptionSpec<K> & { multiple?: M },
  ): Option<Value<K, M> | undefined>;
  define(name: string, specIn: unknown): Option<unknown> {
    const spec = specIn as OptionSpec;
    if (typeof name !== "string" || !/^[A-Za-z][A-Za-z0-9_-]*$/.test(name)) {
      throw new TypeError(
        `option names are words like "maxUploadMb" or "max-upload-mb", got ${JSON.stringify(name)}`,
      );
    }
    checkSpec(name, spec);
    const option = new Option(name, spec);
    const existing = this.defined.get(option.name);
    if (existing !== undefined) {
      throw new TypeError(
        `option ${JSON.stringify(option.name)} is already defined (${existing.flag})`,
      );
    }
    if (spec.default !== undefined) {
      try {
        option.check(spec.default);
      } catch (err) {
        throw new TypeError(
          `option ${option.flag}: the default does not parse: ${(err as Error).message}`,
        );
      }
    }
    this.defined.set(option.name, option);
    return option;
  }

  /** The option named `name` (any spelling), or undefined. */
  get(name: string): Option | undefined {
    return this.defined.get(camelName(name));
  }

  /** Every option, in the order defined. */
  all(): Option[] {
    return [...this.defined.values()];
  }

  /** The current values by camelCase name (Tornado's `options.as_dict()`). */
  asObject(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const o of this.defined.values()) out[o.name] = o.value;
    return out;
  }

  /** Run `fn` after each final parse (Tornado's `add_parse_callback`). */
  addParseCallback(fn: () => void): void {
    if (typeof fn !== "function") throw new TypeError("addParseCallback expects a function");
    this.parseCallbacks.push(fn);
  }

  /** The generated `--help` text. */
  helpText(): string {
    return this.program().helpInformation();
  }

  /**
   * Parse `argv` (as `process.argv`: the node binary and script first) and the environment
   * variables of the options; returns the arguments that are not options. A value set by a
   * config file or `set()` is overridden by the command line and the environment.
   */
  parseCommandLine(
    argv: readonly string[] = process.argv,
    opts: ParseCommandLineOptions = {},
  ): string[] {
    if (!Array.isArray(argv)) throw new TypeError("parseCommandLine expects an argv array");
    const exitOnError = opts.exitOnError ?? true;
    const env = opts.env ?? process.env;
    const program = this.program();
    let out = "";
    let err = "";
    program.exitOverride();
    program.configureOutput({
      writeOut: (s) => {
        out += s;
      },
      writeErr: (s) => {
        err += s;
      },
    });
    try {
      program.parse([...argv], { from: "node" });
    } catch (e) {
      if (!(e instanceof CommanderError)) throw e;
      if (e.code === "commander.helpDisplayed" || e.code === "commander.help") {
        if (exitOnError) {
          process.stdout.write(out);
          process.exit(0);
        }
        throw new OptionsHelpRequested(out);
      }
      const message = (err || e.message).trim();
      if (exitOnError) {
        process.stderr.write(`${message}\n`);
        process.exit(e.exitCode || 1);
      }
      throw new OptionsParseError(message, e.exitCode || 1, { cause: e });
    }
    // Environment first, then the command line over it.
    for (const option of this.defined.values()) {
      const name = option.spec.env;
      const text = name === undefined ? undefined : env[name];
      // An empty variable counts as unset (`PORT= node app.mjs`, a blank line in an env file).
      if (text === undefined || text === "" || option.source === "set") continue;
      try {
        option.assign(option.parseText(text), "env");
      } catch (e) {
        const message = `error: environment variable ${name} of ${option.flag}: '${text}' is invalid. ${(e as Error).message}`;
        if (exitOnError) {
          process.stderr.write(`${message}\n`);
          process.exit(1);
        }
        throw new OptionsParseError(message, 1, { cause: e });
      }
    }
    for (const option of this.defined.values()) {
      if (program.getOptionValueSource(option.name) === "cli") {
        option.assign(program.getOptionValue(option.name), "cli");
      }
    }
    if (opts.final ?? true) this.runParseCallbacks();
    return [...program.args];
  }

  /**
   * Read options from a JSON file: an object of option names (any spelling) to values —
   * numbers, booleans, strings (parsed as on the command line) or arrays for `multiple`.
   * Unknown names and bad values throw OptionsConfigError naming the file. Values already
   * set by the command line, the environment or `set()` are kept.
   */
  parseConfigFile(path: string, opts: ParseConfigFileOptions = {}): void {
    if (typeof path !== "string") throw new TypeError("parseConfigFile expects a file path");
    let data: unknown;
    try {
      data = JSON.parse(readFileSync(path, "utf8"));
    } catch (e) {
      throw new OptionsConfigError(`cannot read config file ${path}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    if (data === null || typeof data !== "object" || Array.isArray(data)) {
      throw new OptionsConfigError(
        `config file ${path} must hold a JSON object of option names to values`,
      );
    }
    const updates: [Option, unknown][] = [];
    for (const [key, raw] of Object.entries(data)) {
      const option = this.get(key);
      if (option === undefined) {
        throw new OptionsConfigError(
          `config file ${path}: unknown option ${JSON.stringify(key)}; options are ${this.all()
            .map((o) => o.name)
            .join(", ")}`,
        );
      }
      try {
        updates.push([option, option.check(raw)]);
      } catch (e) {
        throw new OptionsConfigError(
          `config file ${path}: option ${JSON.stringify(key)}: ${(e as Error).message}`,
          { cause: e },
        );
      }
    }
    for (const [option, value] of updates) {
      if (option.source === "default" || option.source === "config") option.assign(value, "config");
    }
    if (opts.final ?? true) this.runParseCallbacks();
  }

  private runParseCallbacks(): void {
    for (const fn of this.parseCallbacks) fn();
  }

  /** A commander program for the current definitions (made per parse; cheap). */
  private program(): Command {
    const program = new Command();
    if (this.config.name !== undefined) program.name(this.config.name);
    if (this.config.description !== undefined) program.description(this.config.description);
    program.allowExcessArguments(this.config.allowExcessArguments ?? true);
    program.configureHelp({ optionDescription });
    for (const option of this.defined.values()) program.addOption(toCommanderOption(option));
    return program;
  }
}

/** The environment variable of each commander option, for `--help` (commander must not read it). */
const helpEnv = new WeakMap<CommanderOption, string>();

/** commander's option description, with "env: NAME" as if commander knew the variable. */
function optionDescription(this: Help, option: CommanderOption): string {
  const env = helpEnv.get(option);
  if (env === undefined) return Help.prototype.optionDescription.call(this, option);
  option.envVar = env;
  try {
    return Help.prototype.optionDescription.call(this, option);
  } finally {
    option.envVar = undefined;
  }
}

/** The commander Option for one of ours: flags, help, default and env for `--help`, parser. */
function toCommanderOption(option: Option): CommanderOption {
  const spec = option.spec;
  const short = spec.short === undefined ? "" : `-${spec.short}, `;
  const isFlag = spec.type === "boolean" && spec.multiple !== true;
  const metavar = spec.metavar ?? option.flag.slice(option.flag.lastIndexOf("-") + 1);
  const flags = isFlag ? `${short}${option.flag}` : `${short}${option.flag} <${metavar}>`;
  const c = new CommanderOption(flags, spec.help);
  if (!isFlag) {
    c.argParser((text: string) => {
      try {
        return option.parseText(text);
      } catch (e) {
        throw new InvalidArgumentError((e as Error).message);
      }
    });
    if (spec.default !== undefined) c.default(spec.default);
  }
  // Shown in --help only: parseCommandLine reads the variable itself (booleans as 1/0, yes/no…).
  if (spec.env !== undefined) helpEnv.set(c, spec.env);
  if (spec.choices !== undefined) c.argChoices = [...spec.choices];
  if (spec.group !== undefined) c.helpGroup(spec.group);
  return c;
}

function checkSpec(name: string, spec: OptionSpec): void {
  if (spec === null || typeof spec !== "object")
    throw new TypeError(`option ${name}: the spec must be an object`);
  if (!["string", "int", "float", "boolean"].includes(spec.type)) {
    throw new TypeError(
      `option ${name}: type must be "string", "int", "float" or "boolean", got ${JSON.stringify(spec.type)}`,
    );
  }
  if (typeof spec.help !== "string") throw new TypeError(`option ${name}: help must be a string`);
  if (spec.env !== undefined && (typeof spec.env !== "string" || spec.env === "")) {
    throw new TypeError(`option ${name}: env must be an environment variable name`);
  }
  if (spec.short !== undefined && !/^[A-Za-z]$/.test(spec.short)) {
    throw new TypeError(`option ${name}: short must be one letter`);
  }
  if (spec.parse !== undefined && typeof spec.parse !== "function") {
    throw new TypeError(`option ${name}: parse must be a function`);
  }
  if (spec.callback !== undefined && typeof spec.callback !== "function") {
    throw new TypeError(`option ${name}: callback must be a function`);
  }
  if (
    spec.choices !== undefined &&
    (!Array.isArray(spec.choices) || spec.choices.some((c) => typeof c !== "string"))
  ) {
    throw new TypeError(`option ${name}: choices must be an array of strings`);
  }
  for (const k of ["min", "max"] as const) {
    const v = spec[k];
    if (v !== undefined && (typeof v !== "number" || Number.isNaN(v))) {
      throw new RangeError(`option ${name}: ${k} must be a number`);
    }
  }
}
