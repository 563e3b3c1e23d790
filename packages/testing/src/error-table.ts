// errorTableProblems: a package's error codes against its README's Errors table, both ways.

import { readFileSync } from "node:fs";

/** Options of {@link errorTableProblems}. */
export interface ErrorTableOptions {
  /**
   * Classes of other packages that this README's table documents too, by class name (e.g.
   * `{ AbortError: IOLOOP_CODES.AbortError }` where the package rejects with @t/ioloop's
   * `AbortError`). Each must have its row; their codes count as known.
   */
  foreign?: Readonly<Record<string, string>>;
  /**
   * The package's exports (`import * as api from "../src/index.js"`). When given, every exported
   * `Error` subclass must be a key of `codes` (or listed in `unlisted`), every key of `codes`
   * must be exported, and an instance made with no arguments must carry that `code` and a `name`
   * equal to the export's name.
   */
  exports?: Readonly<Record<string, unknown>>;
  /** Exported error classes deliberately absent from `codes` (e.g. one whose `code` is an errno). */
  unlisted?: readonly string[];
  /** With `exports`: the package's base error class, which every class of `codes` must extend. */
  base?: abstract new (
    ...args: never[]
  ) => Error;
  /** The heading of the table's section (default `"## Errors"`). */
  heading?: string;
}

const CODE = /^T_ERR_[A-Z0-9_]*[A-Z0-9]$/;
const ROW = /^\|\s*`(T_ERR_[A-Z0-9_]+)`\s*\|\s*`([\w$]+)`\s*\|/gm;
const MENTION = /\bT_ERR_[A-Z0-9_]+/g;

/**
 * Check a package's error codes against its README, as fastify's `test/internals/errors.test.js`
 * does, in both directions: every code of `codes` (class name → code, the package's
 * `ERROR_CODES`) has a row `` | `T_ERR_…` | `ClassName` | … `` in the README's Errors table, and
 * the README names no `T_ERR_…` code that no class has (anywhere in the file, not only in the
 * table). Codes must look like `T_ERR_…` and no two classes may share one. Returns the problems
 * found, one sentence each: `expect(errorTableProblems(readme, ERROR_CODES)).toEqual([])`.
 *
 * @param readmePath - the README's path or file URL (`new URL("../README.md", import.meta.url)`).
 * @param codes - every code of the package, by class name.
 */
export function errorTableProblems(
  readmePath: string | URL,
  codes: Readonly<Record<string, string>>,
  options: ErrorTableOptions = {},
): string[] {
  const problems: string[] = [];
  const owner = new Map<string, string>();
  for (const [name, code] of Object.entries(codes)) {
    if (!CODE.test(code)) problems.push(`${name}'s code ${code} is not of the form T_ERR_…`);
    const other = owner.get(code);
    if (other !== undefined) problems.push(`${other} and ${name} share the code ${code}`);
    owner.set(code, name);
  }
  const documented = new Map<string, string>(Object.entries(codes));
  for (const [name, code] of Object.entries(options.foreign ?? {})) documented.set(name, code);
  const known = new Set(documented.values());

  const readme = readFileSync(readmePath, "utf8");
  const heading = options.heading ?? "## Errors";
  const start = readme.indexOf(`\n${heading}\n`);
  if (start === -1) {
    problems.push(`the README has no "${heading}" section`);
    return problems;
  }
  const end = readme.indexOf("\n## ", start + heading.length + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);

  const rows = new Map<string, string[]>();
  for (const [, code, name] of section.matchAll(ROW)) {
    const classes = rows.get(code) ?? [];
    classes.push(name);
    rows.set(code, classes);
  }
  for (const [name, code] of documented) {
    const classes = rows.get(code);
    if (classes === undefined) problems.push(`the Errors table has no row for ${code} (${name})`);
    else if (!classes.includes(name)) {
      problems.push(`the Errors table gives ${code} to ${classes.join(", ")}, not to ${name}`);
    }
  }
  for (const [code, classes] of rows) {
    if (classes.length > 1)
      problems.push(`the Errors table has ${classes.length} rows for ${code}`);
  }
  const unknown = new Set<string>();
  for (const [mention] of readme.matchAll(MENTION)) {
    if (!mention.endsWith("_") && !known.has(mention)) unknown.add(mention);
  }
  for (const code of unknown) problems.push(`the README names ${code}, which no class has`);

  if (options.exports !== undefined) exportProblems(options.exports, codes, options, problems);
  return problems;
}

/** The `exports` half of {@link errorTableProblems}: the classes really carry `codes`. */
function exportProblems(
  exports: Readonly<Record<string, unknown>>,
  codes: Readonly<Record<string, string>>,
  options: ErrorTableOptions,
  problems: string[],
): void {
  const unlisted = new Set(options.unlisted ?? []);
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value !== "function" || !(value.prototype instanceof Error)) continue;
    if (unlisted.has(name)) continue;
    const code = codes[name];
    if (code === undefined) {
      problems.push(`the error class ${name} is exported but has no entry in the codes`);
      continue;
    }
    let instance: { code?: unknown; name?: unknown };
    try {
      instance = Reflect.construct(value, []) as { code?: unknown; name?: unknown };
    } catch (err) {
      problems.push(`new ${name}() threw (${String(err)}); list it in \`unlisted\``);
      continue;
    }
    if (instance.code !== code) {
      problems.push(`new ${name}().code is ${String(instance.code)}, the codes say ${code}`);
    }
    if (instance.name !== name) {
      problems.push(`new ${name}().name is ${String(instance.name)}, not "${name}"`);
    }
    const base = options.base;
    if (base !== undefined && value !== base && !(value.prototype instanceof base)) {
      problems.push(`${name} does not extend ${base.name}`);
    }
  }
  for (const name of Object.keys(codes)) {
    if (!(name in exports)) problems.push(`the codes name ${name}, which is not exported`);
  }
}
