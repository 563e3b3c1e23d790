// publishable.ts: the workspace packages that get published (packages/* without "private").

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (tools/release-check/src/../../..). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** One package that `changeset publish` would publish. */
export interface PublishablePackage {
  /** Its npm name, e.g. `@t/ioloop`. */
  readonly name: string;
  /** Absolute path of its folder. */
  readonly dir: string;
  /** Its parsed package.json. */
  readonly manifest: Record<string, unknown>;
}

/** Every non-private package under packages/, sorted by folder name. */
export function publishablePackages(): PublishablePackage[] {
  const base = join(REPO_ROOT, "packages");
  const out: PublishablePackage[] = [];
  for (const entry of readdirSync(base).sort()) {
    const file = join(base, entry, "package.json");
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    if (manifest.private === true) continue;
    out.push({ name: manifest.name as string, dir: join(base, entry), manifest });
  }
  return out;
}
