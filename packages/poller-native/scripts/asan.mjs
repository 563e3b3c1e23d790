#!/usr/bin/env node
// asan.mjs: builds the addon with ASan+UBSan and runs the package's tests against that build.
//
// The sanitizer runtime must be the first library in the process, so the
// tests run with LD_PRELOAD=<gcc's libasan.so>; T_POLLER_NATIVE_ASAN=1 makes
// src/native.ts load build-asan/ instead of the release binary. Leak checking
// is off because V8 and Node keep memory until exit by design.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(join(pkgDir, "package.json"));

function step(cmd, args, env = process.env) {
  process.stderr.write(`[asan] ${cmd} ${args.join(" ")}\n`);
  const r = spawnSync(cmd, args, { cwd: pkgDir, stdio: "inherit", env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

step(process.execPath, [join(pkgDir, "scripts", "build-native.mjs"), "--asan"]);

const cc = process.env.CC ?? "gcc";
const libasan = execFileSync(cc, ["-print-file-name=libasan.so"], { encoding: "utf8" }).trim();
if (!libasan.startsWith("/") || !existsSync(libasan)) {
  process.stderr.write(`[asan] ${cc} does not know libasan.so (got ${libasan})\n`);
  process.exit(1);
}

const env = {
  ...process.env,
  LD_PRELOAD: libasan,
  ASAN_OPTIONS: "detect_leaks=0:abort_on_error=1:strict_string_checks=1",
  UBSAN_OPTIONS: "print_stacktrace=1:halt_on_error=1",
  T_POLLER_NATIVE_ASAN: "1",
};
const vitest = join(dirname(require.resolve("vitest/package.json")), "vitest.mjs");
// pack-install exercises the shipped prebuild, not this build.
step(
  process.execPath,
  [vitest, "run", "--exclude", "test/pack-install.test.ts", ...process.argv.slice(2)],
  env,
);
process.stderr.write("[asan] clean: no sanitizer reports\n");
