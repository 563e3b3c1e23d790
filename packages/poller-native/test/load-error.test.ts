// load-error.test.ts: a missing binary fails with a NativeLoadError naming the platform tuple, the prebuilds and how to build.
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { ensureDist, packageDir, runNode } from "./helpers.js";

const work = mkdtempSync(join(tmpdir(), "poller-native-noload-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the package with dist/ and package.json but no build/ (and prebuilds/ as given). */
function packageWithoutBinary(name: string, prebuiltTuples: string[]): string {
  const dir = join(work, name);
  mkdirSync(dir);
  cpSync(join(packageDir, "dist"), join(dir, "dist"), { recursive: true });
  cpSync(join(packageDir, "package.json"), join(dir, "package.json"));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(
    realpathSync(join(packageDir, "node_modules", "node-gyp-build")),
    join(dir, "node_modules", "node-gyp-build"),
    "dir",
  );
  for (const tuple of prebuiltTuples) {
    mkdirSync(join(dir, "prebuilds", tuple), { recursive: true });
    writeFileSync(join(dir, "prebuilds", tuple, "@t+poller-native.node"), "not for this machine");
  }
  return dir;
}

async function loadError(cwd: string): Promise<{ name: string; code: string; message: string }> {
  const res = await runNode(
    `try { await import("./dist/index.js"); console.log("loaded?!"); }
     catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }`,
    { cwd, env: { T_POLLER_NATIVE_ASAN: "" } },
  );
  return JSON.parse(res.stdout) as { name: string; code: string; message: string };
}

const tuple = `${process.platform}-${process.arch}`;

it("import without a binary throws NativeLoadError naming platform, N-API and how to build from source", async () => {
  ensureDist();
  const out = await loadError(packageWithoutBinary("bare", []));
  expect(out.name).toBe("NativeLoadError");
  expect(out.code).toBe("T_ERR_NATIVE_LOAD");
  const [first, ...advice] = out.message.split("\n");
  expect(first).toContain(
    `no native binary loads for ${tuple} (Node ${process.versions.node}, N-API 8)`,
  );
  expect(advice[0]).toBe("This package has no prebuilt binaries.");
  // What a user of the published package can do, not only a monorepo command.
  expect(out.message).toContain("npm rebuild @t/poller-native");
  expect(out.message).toContain("pnpm.onlyBuiltDependencies");
  expect(out.message).toContain("python3 make g++");
  expect(out.message).toContain("node scripts/build-native.mjs");
  expect(out.message).toContain("T_POLLER_BACKEND only chooses among the backends");
  expect(out.message).toContain("pnpm --filter @t/poller-native build");
});

it("NativeLoadError lists the platforms the package has prebuilds for", async () => {
  ensureDist();
  const others = ["freebsd-riscv64", "sunos-mips"].filter((t) => t !== tuple);
  const out = await loadError(packageWithoutBinary("other-prebuilds", others));
  expect(out.name).toBe("NativeLoadError");
  expect(out.message.split("\n")[1]).toBe(
    `Prebuilt binaries in this package: ${others.join(", ")} (none for ${tuple}).`,
  );
});
