#!/usr/bin/env node
// build-native.mjs: builds the addon offline against the local Node headers (install, --prebuild, --asan).
//
//   node scripts/build-native.mjs            install step: nothing to do when a
//                                            prebuild or build/Release loads, else
//                                            `node-gyp rebuild`
//   node scripts/build-native.mjs --prebuild `prebuildify --napi --strip`
//                                            -> prebuilds/<platform>-<arch>/
//   node scripts/build-native.mjs --asan     Debug build with ASan+UBSan in build-asan/
//
// Node's headers usually sit next to the node binary (<prefix>/include/node).
// When they do, node-gyp gets them as nodedir and never downloads anything;
// elsewhere node-gyp keeps its normal behaviour.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkgDir = dirname(dirname(fileURLToPath(import.meta.url)));
const require = createRequire(join(pkgDir, "package.json"));
const mode = process.argv[2] ?? "--install";

function log(msg) {
  process.stderr.write(`[@t/poller-native] ${msg}\n`);
}

/** Environment for node-gyp/prebuildify: local headers as nodedir when present. */
function buildEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  const prefix = dirname(dirname(process.execPath));
  if (!env.npm_config_nodedir && existsSync(join(prefix, "include", "node", "node_api.h"))) {
    env.npm_config_nodedir = prefix;
  }
  return env;
}

/** The node-gyp CLI script: our devDependency, else the one npm bundles. */
function nodeGypScript() {
  try {
    return require.resolve("node-gyp/bin/node-gyp.js");
  } catch {
    const fromNpm = process.env.npm_config_node_gyp;
    if (fromNpm && existsSync(fromNpm)) return fromNpm;
    throw new Error(
      "node-gyp is not installed and no prebuild matches " +
        `${process.platform}-${process.arch}; install node-gyp or use a platform with a prebuild`,
    );
  }
}

function run(cmd, args, options) {
  log(`${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { stdio: "inherit", ...options });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} exited with ${r.status ?? r.signal}`);
  }
}

function nodeGyp(args, cwd, env) {
  const nodedir = env.npm_config_nodedir ? [`--nodedir=${env.npm_config_nodedir}`] : [];
  run(process.execPath, [nodeGypScript(), ...args, ...nodedir], { cwd, env });
}

function canLoad() {
  try {
    require("node-gyp-build")(pkgDir);
    return true;
  } catch {
    return false;
  }
}

function install() {
  if (canLoad()) {
    log("native binary present (prebuild or build/Release); nothing to build");
    return;
  }
  nodeGyp(["rebuild"], pkgDir, buildEnv());
}

function prebuild() {
  nodeGypScript(); // fail early with a clear message when node-gyp is missing
  // prebuildify finds node-gyp in node_modules/.bin (it prepends that to PATH).
  // Without -t it would target the newest Node that node-abi knows and ask
  // node-gyp for headers that are not here; N-API makes the version moot.
  const env = buildEnv();
  const bin = require.resolve("prebuildify/bin.js");
  const args = [bin, "--napi", "--strip", "-t", `node@${process.versions.node}`];
  run(process.execPath, args, { cwd: pkgDir, env });
  const dir = join(pkgDir, "prebuilds", `${process.platform}-${process.arch}`);
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".node")) : [];
  if (files.length === 0) throw new Error(`prebuildify produced nothing in ${dir}`);
  // prebuildify moves the binary out of build/Release; keep a copy there so
  // that build/Release (which node-gyp-build prefers) matches the prebuild.
  mkdirSync(join(pkgDir, "build", "Release"), { recursive: true });
  cpSync(join(dir, files[0]), join(pkgDir, "build", "Release", "poller_native.node"));
  log(`prebuild: ${join(dir, files[0])}`);
}

function asan() {
  // A separate tree so that the sanitizer build never shadows build/Release.
  const out = join(pkgDir, "build-asan");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  cpSync(join(pkgDir, "binding.gyp"), join(out, "binding.gyp"));
  cpSync(join(pkgDir, "src"), join(out, "src"), {
    recursive: true,
    filter: (p) => !/\.ts$/.test(p),
  });
  const flags = "-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all";
  const env = buildEnv({ CFLAGS: flags, CXXFLAGS: flags, LDFLAGS: "-fsanitize=address,undefined" });
  nodeGyp(["rebuild", "--debug"], out, env);
  log(`asan build: ${join(out, "build", "Debug")}`);
}

try {
  if (mode === "--install") install();
  else if (mode === "--prebuild") prebuild();
  else if (mode === "--asan") asan();
  else throw new Error(`unknown mode ${mode}; expected --prebuild, --asan or nothing`);
} catch (err) {
  log(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
