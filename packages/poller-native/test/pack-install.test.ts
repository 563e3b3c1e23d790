// pack-install.test.ts: the packed tarball installs without a compiler and loads its prebuild.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureDist, packageDir, runNode } from "./helpers.js";

const tuple = `${process.platform}-${process.arch}`;
let work = "";

beforeAll(() => {
  const prebuilds = join(packageDir, "prebuilds", tuple);
  if (!existsSync(prebuilds) || !readdirSync(prebuilds).some((f) => f.endsWith(".node"))) {
    execFileSync(process.execPath, [join(packageDir, "scripts/build-native.mjs"), "--prebuild"], {
      cwd: packageDir,
      stdio: "inherit",
    });
  }
  ensureDist();
  work = mkdtempSync(join(tmpdir(), "poller-native-pack-"));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("packed tarball", () => {
  it("installs offline-first with a failing node-gyp on PATH and loads from prebuilds/", async () => {
    const packDir = join(work, "pack");
    execFileSync("pnpm", ["pack", "--pack-destination", packDir], {
      cwd: packageDir,
      stdio: "pipe",
    });
    const tarball = readdirSync(packDir).find((f) => f.endsWith(".tgz"));
    expect(tarball).toBeDefined();

    // Any attempt to compile fails loudly: a node-gyp that exits 1 comes first on PATH.
    const fakeBin = join(work, "fake-bin");
    execFileSync("mkdir", ["-p", fakeBin]);
    const fakeGyp = join(fakeBin, "node-gyp");
    writeFileSync(fakeGyp, "#!/bin/sh\necho 'node-gyp must not run' >&2\nexit 1\n");
    chmodSync(fakeGyp, 0o755);

    const app = join(work, "app");
    execFileSync("mkdir", ["-p", app]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
    const env = {
      ...process.env,
      PATH: `${fakeBin}${delimiter}${process.env.PATH ?? ""}`,
      npm_config_build_from_source: "false",
      npm_config_node_gyp: fakeGyp,
      npm_config_nodedir: "",
    };
    execFileSync(
      "npm",
      [
        "install",
        join(packDir, tarball as string),
        "--prefer-offline",
        "--ignore-scripts=false",
        "--no-audit",
        "--no-fund",
        "--no-package-lock",
      ],
      { cwd: app, env, stdio: "pipe", timeout: 120_000 },
    );
    const installed = join(app, "node_modules", "@t", "poller-native");
    expect(existsSync(join(installed, "prebuilds", tuple))).toBe(true);
    expect(existsSync(join(installed, "build"))).toBe(false);

    const res = await runNode(
      `import * as p from "@t/poller-native";
       const [r, w] = p.pipe();
       const poller = new p.Poller((n) => {
         console.log(JSON.stringify({ path: p.binaryPath, n, fd: poller.events[0], r }));
         poller.close(); p.close(r); p.close(w);
       });
       poller.add(r, p.READ); poller.start();
       p.write(w, Buffer.from("x"), 0, 1);`,
      { cwd: app, timeoutMs: 10_000 },
    );
    expect(res.stderr).toBe("");
    const out = JSON.parse(res.stdout) as { path: string; n: number; fd: number; r: number };
    expect(out.path).toContain(join(installed, "prebuilds", tuple));
    expect(out.n).toBe(1);
    expect(out.fd).toBe(out.r);
  }, 180_000);
});
