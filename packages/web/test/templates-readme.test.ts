// The README's "Tornado-style templates" example is docs/tornado-templates/example.mjs with its templates, and it prints what the README shows.

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runScript } from "@t/testing";
import { describe, expect, it } from "vitest";

const pkg = fileURLToPath(new URL("..", import.meta.url));
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const HEADING = "### Tornado-style templates";

/** The fenced blocks of the README section under HEADING, in order. */
function sectionBlocks(): { lang: string; body: string }[] {
  const start = readme.indexOf(`\n${HEADING}\n`);
  expect(start).toBeGreaterThan(-1);
  const end = readme.indexOf("\n### ", start + HEADING.length + 2);
  const section = readme.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```([a-z]*)\n([\s\S]*?)```/g)].map((m) => ({
    lang: m[1],
    body: m[2],
  }));
}

function file(path: string): string {
  return readFileSync(new URL(`../${path}`, import.meta.url), "utf8");
}

describe("README Tornado-style templates", () => {
  it("shows the example script and both templates as they are", () => {
    const [script, base, page] = sectionBlocks();
    const example = file("docs/tornado-templates/example.mjs");
    expect(script.body).toBe(example.slice(example.indexOf("\n") + 1));
    expect(base.body).toBe(file("docs/tornado-templates/templates/base.html"));
    expect(page.body).toBe(file("docs/tornado-templates/templates/students.html"));
  });

  it("runs and prints what the README says", async () => {
    const out = sectionBlocks().find((b) => b.lang === "console");
    expect(out).toBeDefined();
    const [command, ...expected] = (out as { body: string }).body.split("\n");
    expect(command).toBe("$ node docs/tornado-templates/example.mjs 2>/dev/null");
    const { code, stdout } = await runScript("docs/tornado-templates/example.mjs", [], {
      cwd: pkg,
    });
    expect(code).toBe(0);
    expect(stdout).toBe(expected.join("\n"));
  });

  it("links the porting guide, which exists", () => {
    expect(readme).toContain("(docs/porting-tornado-templates.md)");
    expect(file("docs/porting-tornado-templates.md")).toMatch(/^# Porting Tornado templates/);
  });
});
