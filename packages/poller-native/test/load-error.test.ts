// load-error.test.ts: a missing binary fails with a NativeLoadError naming the platform tuple and the build command.
import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { ensureDist, packageDir, runNode } from "./helpers.js";

const work = mkdtempSync(join(tmpdir(), "poller-native-noload-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

it("import without a binary throws NativeLoadError naming platform, N-API and build command", async () => {
  ensureDist();
  // The package without build/ and prebuilds/.
  cpSync(join(packageDir, "dist"), join(work, "dist"), { recursive: true });
  cpSync(join(packageDir, "package.json"), join(work, "package.json"));
  mkdirSync(join(work, "node_modules"));
  symlinkSync(
    realpathSync(join(packageDir, "node_modules", "node-gyp-build")),
    join(work, "node_modules", "node-gyp-build"),
    "dir",
  );
  const res = await runNode(
    `try { await import("./dist/index.js"); console.log("loaded?!"); }
     catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }`,
    { cwd: work, env: { T_POLLER_NATIVE_ASAN: "" } },
  );
  const out = JSON.parse(res.stdout) as { name: string; code: string; message: string };
  expect(out.name).toBe("NativeLoadError");
  expect(out.code).toBe("T_ERR_NATIVE_LOAD");
  expect(out.message).toContain(`${process.platform}-${process.arch}`);
  expect(out.message).toContain("N-API 8");
  expect(out.message).toContain("pnpm --filter @t/poller-native build");
});
