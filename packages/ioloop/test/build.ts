// Test helper: make sure the native prebuild and this package's dist exist before spawning node.

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** packages/ioloop */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
/** packages/poller-native */
export const POLLER_DIR = join(PACKAGE_DIR, "..", "poller-native");
const LOCK = "/tmp/t-ioloop-test-build.lock";

function hasPrebuild(): boolean {
  const dir = join(POLLER_DIR, "prebuilds", `${process.platform}-${process.arch}`);
  return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith(".node"));
}

/** Builds @t/poller-native's prebuild and both packages' dist if missing (under a file lock). */
export function ensureBuilt(): void {
  const steps: string[] = [];
  if (!hasPrebuild() || !existsSync(join(POLLER_DIR, "dist", "index.js"))) {
    steps.push("pnpm --filter @t/poller-native build");
  }
  if (!existsSync(join(PACKAGE_DIR, "dist", "index.js")))
    steps.push("pnpm --filter @t/ioloop build");
  if (steps.length === 0) return;
  execFileSync("flock", [LOCK, "sh", "-c", steps.join(" && ")], {
    cwd: PACKAGE_DIR,
    stdio: "pipe",
    timeout: 300_000,
  });
}
