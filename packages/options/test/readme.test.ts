// The README: its example is the file that runs, its console transcript what that file prints,
// and its error table lists every code.

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { errorTableProblems } from "@t-tools/testing";
import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const example = fileURLToPath(new URL("../examples/server-options.mjs", import.meta.url));

function run(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [example, ...args], {
    encoding: "utf8",
    timeout: 30_000,
    env: { ...process.env, PORT: "", APP_DEBUG: "", ...env },
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe("README", () => {
  it("shows the example file's code", () => {
    const code = readFileSync(example, "utf8").split("\n").slice(1).join("\n").trim();
    expect(readme).toContain(code);
  });

  it("shows what the example prints for each command of the transcript", () => {
    const transcript = /```console\n([\s\S]*?)```/.exec(readme)?.[1] as string;
    const blocks = transcript.split(/^\$ /m).filter((b) => b !== "");
    expect(blocks.length).toBe(3);
    for (const block of blocks) {
      const [command, ...output] = block.split("\n");
      const words = command.split(" ");
      const env: Record<string, string> = {};
      while (words[0].includes("=")) {
        const [k, v] = (words.shift() as string).split("=");
        env[k] = v;
      }
      const args = words.slice(2); // node examples/server-options.mjs …
      const r = run(args, env);
      expect(r.out.trim(), command).toBe(output.join("\n").trim());
      expect(r.status, command).toBe(command.includes("http") ? 1 : 0);
    }
  });

  it("the Errors table lists every code with its class, and names no other", () => {
    expect(
      errorTableProblems(new URL("../README.md", import.meta.url), api.ERROR_CODES, {
        exports: api,
        base: api.OptionsError,
      }),
    ).toEqual([]);
  });
});
