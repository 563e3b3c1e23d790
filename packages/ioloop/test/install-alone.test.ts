import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ensureBuilt, PACKAGE_DIR, POLLER_DIR } from "./build.js";

const work = mkdtempSync(join(tmpdir(), "t-ioloop-install-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function pack(dir: string): string {
  const before = new Set(readdirSync(work));
  execFileSync("pnpm", ["pack", "--pack-destination", work], { cwd: dir, stdio: "pipe" });
  const created = readdirSync(work).filter((f) => f.endsWith(".tgz") && !before.has(f));
  if (created.length !== 1) throw new Error(`pnpm pack in ${dir} produced ${created.join(", ")}`);
  return join(work, created[0] as string);
}

describe("installing @t/ioloop alone", () => {
  it("the packed tarballs install into an empty project and the README example runs there", () => {
    ensureBuilt();
    const pollerTgz = pack(POLLER_DIR);
    const ioloopTgz = pack(PACKAGE_DIR);
    const app = join(work, "app");
    mkdirSync(app);
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify(
        {
          name: "ioloop-install-check",
          private: true,
          type: "module",
          dependencies: {
            "@t/ioloop": `file:${ioloopTgz}`,
            "@t/poller-native": `file:${pollerTgz}`,
          },
        },
        null,
        2,
      ),
    );
    execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], {
      cwd: app,
      stdio: "pipe",
      timeout: 240_000,
      env: { ...process.env, npm_config_loglevel: "error" },
    });
    copyFileSync(join(PACKAGE_DIR, "examples", "readme-example.mjs"), join(app, "example.mjs"));
    const stdout = execFileSync("node", ["example.mjs"], {
      cwd: app,
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(stdout.trim().split("\n")).toEqual([
      "timer fired after 10 ms",
      "read: tick 1",
      "read: tick 2",
      "read: tick 3",
      "done",
    ]);
  }, 360_000);
});
