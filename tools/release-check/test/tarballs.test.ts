// tarballs.test.ts: `pnpm pack` of every publishable package holds what a user needs and nothing else.

import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PublishablePackage, publishablePackages, REPO_ROOT } from "../src/publishable.js";

const packages = publishablePackages();
const work = mkdtempSync(join(tmpdir(), "t-release-check-"));
const tarballs = new Map<string, string>();

/** `pnpm pack` of one package into its own folder; returns the .tgz path. */
function pack(pkg: PublishablePackage): string {
  const dest = join(work, pkg.name.replace("/", "+"));
  mkdirSync(dest);
  execFileSync("pnpm", ["pack", "--pack-destination", dest], {
    cwd: pkg.dir,
    stdio: "pipe",
    timeout: 120_000,
  });
  const made = readdirSync(dest).filter((f) => f.endsWith(".tgz"));
  if (made.length !== 1) throw new Error(`pnpm pack of ${pkg.name} made ${made.join(", ")}`);
  return join(dest, made[0] as string);
}

function listTarball(tgz: string): string[] {
  return execFileSync("tar", ["-tzf", tgz], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line !== "" && !line.endsWith("/"))
    .map((line) => line.replace(/^package\//, ""));
}

function readFromTarball(tgz: string, file: string): string {
  return execFileSync("tar", ["-xzOf", tgz, `package/${file}`], { encoding: "utf8" });
}

beforeAll(() => {
  for (const pkg of packages) tarballs.set(pkg.name, pack(pkg));
}, 600_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

it("finds the publishable packages (every packages/* folder that is not private)", () => {
  const names = packages.map((p) => p.name);
  expect(names).toEqual(expect.arrayContaining(["@t/poller-native", "@t/ioloop", "@t/web"]));
  expect(names.every((n) => n.startsWith("@t/"))).toBe(true);
});

describe.each(packages.map((p) => [p.name, p] as const))("%s tarball", (name, pkg) => {
  it("contains LICENSE, README.md, CHANGELOG.md, package.json and the built entry", () => {
    const files = listTarball(tarballs.get(name) as string);
    for (const required of [
      "LICENSE",
      "README.md",
      "CHANGELOG.md",
      "package.json",
      "dist/index.js",
      "dist/index.d.ts",
    ]) {
      expect(files, `${name} is missing ${required}`).toContain(required);
    }
  });

  it("contains no source maps, tests or build info", () => {
    const files = listTarball(tarballs.get(name) as string);
    expect(files.filter((f) => f.endsWith(".map"))).toEqual([]);
    expect(
      files.filter((f) => /(^|\/)(test|tests|__tests__)\/|\.test\.[cm]?[jt]s$/.test(f)),
    ).toEqual([]);
    expect(files.filter((f) => f.endsWith(".tsbuildinfo"))).toEqual([]);
    // No TypeScript sources ship, so nothing may point at them.
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
  });

  it("ships the repository's MIT LICENSE and a CHANGELOG titled with the package name", () => {
    const tgz = tarballs.get(name) as string;
    expect(readFromTarball(tgz, "LICENSE")).toBe(readFileSync(join(REPO_ROOT, "LICENSE"), "utf8"));
    expect(readFromTarball(tgz, "CHANGELOG.md").split("\n")[0]).toBe(`# ${name}`);
  });

  it("publishes publicly, with no workspace: ranges and no made-up repository", () => {
    const manifest = JSON.parse(readFromTarball(tarballs.get(name) as string, "package.json"));
    expect(manifest.publishConfig).toMatchObject({ access: "public" });
    expect(manifest.license).toBe("MIT");
    expect(manifest.repository).toBeUndefined();
    for (const field of ["dependencies", "peerDependencies", "optionalDependencies"]) {
      const ranges = Object.values((manifest[field] ?? {}) as Record<string, string>);
      expect(ranges.filter((r) => r.startsWith("workspace:"))).toEqual([]);
    }
    expect(pkg.manifest.version).toBe(manifest.version);
  });
});
