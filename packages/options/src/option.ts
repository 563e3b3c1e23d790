// Option: one defined option — its flag, environment variable, help, parser and current value.

/** The value types an option can have, by the name used in `type`. */
export interface OptionTypes {
  /** Any text. */
  string: string;
  /** A safe integer (`min`/`max` bound it). */
  int: number;
  /** A finite number (`min`/`max` bound it). */
  float: number;
  /** A flag: given or not (`--no-<name>` when the default is true). */
  boolean: boolean;
}

/** The name of an option's type. */
export type OptionType = keyof OptionTypes;

/** Where an option's current value came from, weakest first. */
export type OptionSource = "default" | "config" | "env" | "cli" | "set";

/** How an option is defined (Tornado's `define` arguments). */
export interface OptionSpec<K extends OptionType = OptionType> {
  /** The value type. */
  type: K;
  /** One line for `--help`. */
  help: string;
  /** The value when nothing sets it (booleans: false). Shown in `--help`. */
  default?: OptionTypes[K] | OptionTypes[K][];
  /** An environment variable that sets the option (the command line wins over it). */
  env?: string;
  /** The value's name in `--help` (`--port <port>`). Default: the option's last word. */
  metavar?: string;
  /** A one-letter alias, like `"p"` for `-p`. */
  short?: string;
  /** The only values allowed (strings). */
  choices?: readonly string[];
  /** Smallest value of an `int` or `float`. */
  min?: number;
  /** Largest value of an `int` or `float`. */
  max?: number;
  /** A comma-separated list of values (Tornado's `multiple=True`); the value is an array. */
  multiple?: boolean;
  /**
   * A check or conversion after the type's own: return the value, or throw an Error whose
   * message says what was expected (it becomes "option '--x <v>' argument 'v' is invalid. …").
   */
  parse?: (value: OptionTypes[K]) => OptionTypes[K];
  /** A heading to group the option under in `--help` (Tornado groups by defining module). */
  group?: string;
  /** Called with the new value whenever the option is set (Tornado's `callback`). */
  callback?: (value: unknown) => void;
}

/** `maxUploadMb`, `max-upload-mb` or `max_upload_mb` → `maxUploadMb`. */
export function camelName(name: string): string {
  return name.replace(/[-_]([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** `maxUploadMb` → `max-upload-mb`. */
export function kebabName(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * One defined option (Tornado's `_Option`): read `value` after parsing. Made by
 * `OptionParser.define`, which types `value` from the spec.
 */
export class Option<T = unknown> {
  /** The option's name in camelCase (its key in `asObject()`). */
  readonly name: string;
  /** The long flag, `--max-upload-mb` (or `--no-access-log` for a flag that defaults to true). */
  readonly flag: string;
  /** The definition. */
  readonly spec: Readonly<OptionSpec>;
  private current: T;
  private from: OptionSource = "default";

  constructor(name: string, spec: OptionSpec) {
    this.name = camelName(name);
    this.spec = spec;
    const negated = spec.type === "boolean" && spec.default === true;
    this.flag = `--${negated ? "no-" : ""}${kebabName(this.name)}`;
    this.current = (spec.default ?? (spec.type === "boolean" ? false : undefined)) as T;
  }

  /** The current value. */
  get value(): T {
    return this.current;
  }

  /** Where the current value came from. */
  get source(): OptionSource {
    return this.from;
  }

  /** The default value (booleans: false unless given). */
  get defaultValue(): T {
    return (this.spec.default ?? (this.spec.type === "boolean" ? false : undefined)) as T;
  }

  /**
   * Set the value from program code (Tornado's `options.name = value`), checked like a value
   * from a config file; parsing the command line or environment afterwards does not override it.
   */
  set(value: T): void {
    this.assign(this.check(value), "set");
  }

  /** @internal Store a checked value and run the callback. */
  assign(value: T, source: OptionSource): void {
    this.current = value;
    this.from = source;
    this.spec.callback?.(value);
  }

  /**
   * Parse one value given as text (a flag's argument, an environment variable, a string in a
   * config file); throws an Error whose message says what was expected.
   */
  parseText(text: string): T {
    if (this.spec.multiple === true) {
      const items = text === "" ? [] : text.split(",").map((s) => this.parseItem(s.trim()));
      return items as T;
    }
    return this.parseItem(text) as T;
  }

  /** Check a value of the option's type (from a config file or `set`); returns it, converted. */
  check(value: unknown): T {
    if (this.spec.multiple === true) {
      if (typeof value === "string") return this.parseText(value);
      if (!Array.isArray(value)) throw new Error("expected a list (an array or comma-separated)");
      return value.map((v) => this.checkItem(v)) as T;
    }
    return this.checkItem(value) as T;
  }

  private checkItem(value: unknown): unknown {
    const type = this.spec.type;
    if (typeof value === "string") return this.parseItem(value);
    if (type === "boolean") {
      if (typeof value !== "boolean") throw new Error("expected true or false");
      return value;
    }
    if ((type === "int" || type === "float") && typeof value === "number") {
      return this.parseItem(String(value));
    }
    throw new Error(`expected ${describeType(this.spec)}`);
  }

  private parseItem(text: string): unknown {
    const spec = this.spec;
    let v: unknown;
    switch (spec.type) {
      case "int": {
        const n = /^[+-]?[0-9]+$/.test(text.trim()) ? Number(text) : Number.NaN;
        if (!Number.isSafeInteger(n) || outOfRange(n, spec)) {
          throw new Error(`expected ${describeType(spec)}`);
        }
        v = n;
        break;
      }
      case "float": {
        const n = text.trim() === "" ? Number.NaN : Number(text);
        if (!Number.isFinite(n) || outOfRange(n, spec)) {
          throw new Error(`expected ${describeType(spec)}`);
        }
        v = n;
        break;
      }
      case "boolean":
        v = parseBoolean(text);
        break;
      default:
        v = text;
    }
    if (spec.choices !== undefined && !spec.choices.includes(String(v))) {
      throw new Error(`allowed choices are ${spec.choices.join(", ")}`);
    }
    return spec.parse === undefined ? v : (spec.parse as (x: unknown) => unknown)(v);
  }
}

/** "1/true/yes/on" and "0/false/no/off/" (any case), as environment variables spell flags. */
export function parseBoolean(text: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === "1" || t === "true" || t === "yes" || t === "on") return true;
  if (t === "0" || t === "false" || t === "no" || t === "off" || t === "") return false;
  throw new Error("expected true or false (1/0, yes/no, on/off)");
}

function outOfRange(n: number, spec: OptionSpec): boolean {
  return (spec.min !== undefined && n < spec.min) || (spec.max !== undefined && n > spec.max);
}

/** "an integer in 0..65535", "a number ≥ 0", "true or false", "a string". */
function describeType(spec: OptionSpec): string {
  const base =
    spec.type === "int"
      ? "an integer"
      : spec.type === "float"
        ? "a number"
        : spec.type === "boolean"
          ? "true or false"
          : "a string";
  if (spec.type !== "int" && spec.type !== "float") return base;
  if (spec.min !== undefined && spec.max !== undefined)
    return `${base} in ${spec.min}..${spec.max}`;
  if (spec.min !== undefined) return `${base} >= ${spec.min}`;
  if (spec.max !== undefined) return `${base} <= ${spec.max}`;
  return base;
}
