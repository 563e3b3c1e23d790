// @t/options: Tornado's options_test cases — command line, config file, environment, help, types.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  define,
  OptionParser,
  OptionsConfigError,
  OptionsHelpRequested,
  OptionsParseError,
  options,
  parseCommandLine,
  parseConfigFile,
} from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "t-options-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
function configFile(content: unknown): string {
  const path = join(dir, `config-${fileNo++}.json`);
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

const argv = (...args: string[]) => ["node", "main.mjs", ...args];
const quiet = { exitOnError: false, env: {} };

describe("OptionParser", () => {
  it("parses --name=value and --name value from the command line, with typed values", () => {
    const p = new OptionParser();
    const port = p.define("port", { type: "int", default: 80, help: "port" });
    const host = p.define("host", { type: "string", help: "host" });
    const ratio = p.define("ratio", { type: "float", default: 0.5, help: "ratio" });
    const n: number = port.value; // typed: a default makes it non-optional
    const h: string | undefined = host.value;
    expect([n, h, ratio.value]).toEqual([80, undefined, 0.5]);
    expect(p.parseCommandLine(argv("--port=443", "--host", "example.com"), quiet)).toEqual([]);
    expect(port.value).toBe(443);
    expect(host.value).toBe("example.com");
    expect(port.source).toBe("cli");
    expect(p.asObject()).toEqual({ port: 443, host: "example.com", ratio: 0.5 });
  });

  it("returns the arguments that are not options (Tornado's remaining args)", () => {
    const p = new OptionParser();
    p.define("port", { type: "int", default: 80, help: "port" });
    expect(p.parseCommandLine(argv("--port=443", "extra", "args"), quiet)).toEqual([
      "extra",
      "args",
    ]);
    const strict = new OptionParser({ allowExcessArguments: false });
    expect(() => strict.parseCommandLine(argv("extra"), quiet)).toThrow(/too many arguments/);
  });

  it("booleans: a flag, --no-<name> when the default is true, 1/0 yes/no in the environment", () => {
    const p = new OptionParser();
    const debug = p.define("debug", { type: "boolean", help: "debug", env: "X_DEBUG" });
    const log = p.define("accessLog", { type: "boolean", default: true, help: "log" });
    expect([debug.value, log.value]).toEqual([false, true]);
    expect(log.flag).toBe("--no-access-log");
    p.parseCommandLine(argv("--debug", "--no-access-log"), quiet);
    expect([debug.value, log.value]).toEqual([true, false]);
    const q = new OptionParser();
    const d2 = q.define("debug", { type: "boolean", help: "debug", env: "X_DEBUG" });
    q.parseCommandLine(argv(), { exitOnError: false, env: { X_DEBUG: "0" } });
    expect(d2.value).toBe(false);
    q.parseCommandLine(argv(), { exitOnError: false, env: { X_DEBUG: "yes" } });
    expect(d2.value).toBe(true);
    expect(() =>
      q.parseCommandLine(argv(), { exitOnError: false, env: { X_DEBUG: "maybe" } }),
    ).toThrow(/X_DEBUG of --debug: 'maybe' is invalid\. expected true or false/);
  });

  it("multiple: comma-separated lists of the type (Tornado's multiple=True)", () => {
    const p = new OptionParser();
    const ports = p.define("ports", { type: "int", multiple: true, default: [1], help: "ports" });
    const tags = p.define("tags", { type: "string", multiple: true, help: "tags" });
    const list: number[] = ports.value;
    expect(list).toEqual([1]);
    p.parseCommandLine(argv("--ports", "80,443", "--tags=a, b"), quiet);
    expect(ports.value).toEqual([80, 443]);
    expect(tags.value).toEqual(["a", "b"]);
    expect(() => p.parseCommandLine(argv("--ports", "80,x"), quiet)).toThrow(/expected an integer/);
  });

  it("bad values are OptionsParseErrors in commander's words, with what was expected", () => {
    const p = new OptionParser();
    p.define("port", { type: "int", default: 8888, min: 0, max: 65535, short: "p", help: "port" });
    p.define("level", { type: "string", default: "info", choices: ["info", "warn"], help: "l" });
    p.define("url", {
      type: "string",
      help: "url",
      metavar: "url",
      parse: (v) => {
        if (!v.startsWith("redis://")) throw new Error("expected a redis:// URL");
        return v;
      },
    });
    const attempt = (...args: string[]) => {
      try {
        p.parseCommandLine(argv(...args), quiet);
      } catch (e) {
        expect(e).toBeInstanceOf(OptionsParseError);
        expect((e as OptionsParseError).code).toBe("T_ERR_OPTIONS_PARSE");
        expect((e as OptionsParseError).exitCode).toBe(1);
        return (e as Error).message;
      }
      throw new Error("expected a parse error");
    };
    expect(attempt("--port", "http")).toMatch(
      /option '-p, --port <port>' argument 'http' is invalid\. expected an integer in 0\.\.65535/,
    );
    expect(attempt("-p", "70000")).toMatch(/expected an integer in 0\.\.65535/);
    expect(attempt("--level", "loud")).toMatch(/allowed choices are info, warn/);
    expect(attempt("--url", "notaurl")).toMatch(
      /option '--url <url>' argument 'notaurl' is invalid\. expected a redis:\/\/ URL/,
    );
    expect(attempt("--nope")).toMatch(/unknown option '--nope'/);
    expect(attempt("--port")).toMatch(/argument missing/);
  });

  it("--help is generated from the definitions: flags, help, defaults, env, groups", () => {
    const p = new OptionParser({ name: "srv", description: "A server." });
    p.define("port", { type: "int", default: 8888, env: "PORT", help: "port to listen on" });
    p.define("redisUrl", { type: "string", help: "Redis URL", metavar: "url", group: "Redis:" });
    let help = "";
    try {
      p.parseCommandLine(argv("--help"), quiet);
    } catch (e) {
      expect(e).toBeInstanceOf(OptionsHelpRequested);
      help = (e as OptionsHelpRequested).text;
    }
    expect(help).toBe(p.helpText());
    expect(help).toMatch(/^Usage: srv \[options\]/);
    expect(help).toContain("A server.");
    expect(help).toMatch(/--port <port>\s+port to listen on \(default: 8888, env: PORT\)/);
    expect(help).toMatch(/Redis:\n\s+--redis-url <url>\s+Redis URL/);
  });

  it("precedence whatever the call order: command line > environment > config file > default", () => {
    const p = new OptionParser();
    const a = p.define("a", { type: "int", default: 1, env: "A", help: "" });
    const b = p.define("b", { type: "int", default: 1, env: "B", help: "" });
    const c = p.define("c", { type: "int", default: 1, env: "C", help: "" });
    const d = p.define("d", { type: "int", default: 1, help: "" });
    p.parseCommandLine(argv("--a", "4"), { exitOnError: false, env: { A: "3", B: "3" } });
    p.parseConfigFile(configFile({ a: 2, b: 2, c: 2 }));
    expect([a.value, b.value, c.value, d.value]).toEqual([4, 3, 2, 1]);
    expect([a.source, b.source, c.source, d.source]).toEqual(["cli", "env", "config", "default"]);
  });

  it("parseConfigFile: any spelling of a name, strings parsed like the command line, unknown names and bad values refused", () => {
    const p = new OptionParser();
    const max = p.define("max_upload_mb", { type: "int", default: 1, min: 1, help: "" });
    const name = p.define("serverName", { type: "string", help: "" });
    const on = p.define("feature", { type: "boolean", help: "" });
    p.parseConfigFile(configFile({ "max-upload-mb": "5", server_name: "x", feature: true }));
    expect([max.value, name.value, on.value]).toEqual([5, "x", true]);
    expect(p.get("max-upload-mb")).toBe(max);
    expect(() => p.parseConfigFile(configFile({ maxUplodMb: 3 }))).toThrow(
      /unknown option "maxUplodMb"; options are maxUploadMb, serverName, feature/,
    );
    expect(() => p.parseConfigFile(configFile({ maxUploadMb: 0 }))).toThrow(
      /option "maxUploadMb": expected an integer >= 1/,
    );
    expect(() => p.parseConfigFile(configFile({ feature: "perhaps" }))).toThrow(OptionsConfigError);
    expect(() => p.parseConfigFile(configFile("{ not json"))).toThrow(/cannot read config file/);
    expect(() => p.parseConfigFile(configFile([1]))).toThrow(/JSON object/);
    expect(() => p.parseConfigFile(join(dir, "missing.json"))).toThrow(OptionsConfigError);
    // A refused file changes nothing.
    expect(max.value).toBe(5);
  });

  it("set() checks the type and wins over later parsing; callbacks run on each set and after final parses", () => {
    const p = new OptionParser();
    const seen: unknown[] = [];
    const port = p.define("port", {
      type: "int",
      default: 1,
      env: "P",
      help: "",
      callback: (v) => seen.push(v),
    });
    let parsed = 0;
    p.addParseCallback(() => parsed++);
    expect(() => port.set("x" as never)).toThrow(/expected an integer/);
    port.set(5);
    p.parseCommandLine(argv(), { exitOnError: false, env: { P: "7" } });
    expect(port.value).toBe(5);
    expect(port.source).toBe("set");
    p.parseCommandLine(argv("--port", "9"), { exitOnError: false, env: {}, final: false });
    expect(port.value).toBe(9);
    expect(seen).toEqual([5, 9]);
    expect(parsed).toBe(1);
  });

  it("refuses bad definitions with TypeError/RangeError, and names defined twice (Tornado's test_error_redefine)", () => {
    const p = new OptionParser();
    p.define("foo", { type: "int", help: "" });
    expect(() => p.define("foo", { type: "int", help: "" })).toThrow(/"foo" is already defined/);
    // Spellings of one name are one option.
    p.define("dash_name", { type: "string", help: "" });
    expect(() => p.define("dash-name", { type: "string", help: "" })).toThrow(
      /"dashName" is already defined \(--dash-name\)/,
    );
    expect(() => p.define("bar", { type: "number" as never, help: "" })).toThrow(TypeError);
    expect(() => p.define("1x", { type: "int", help: "" })).toThrow(TypeError);
    expect(() => p.define("baz", { type: "int", help: "", default: 1.5 })).toThrow(
      /default does not parse/,
    );
    expect(() => p.define("qux", { type: "int", help: "", min: Number.NaN })).toThrow(RangeError);
    expect(() => p.define("q2", { type: "int", help: "", short: "ab" })).toThrow(/one letter/);
  });
});

describe("the process-wide options (Tornado's module-level API)", () => {
  it("define in one place, parseConfigFile and parseCommandLine in another", () => {
    const workers = define("globalTestWorkers", { type: "int", default: 2, help: "workers" });
    const path = configFile({ globalTestWorkers: 3 });
    parseConfigFile(path);
    expect(workers.value).toBe(3);
    parseCommandLine(argv("--global-test-workers", "4"), { exitOnError: false, env: {} });
    expect(workers.value).toBe(4);
    expect(options.get("globalTestWorkers")).toBe(workers);
  });
});
