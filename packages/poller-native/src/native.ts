// native.ts: loads the compiled addon (prebuild or local build) through node-gyp-build and types it.
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NativeLoadError } from "./errors.js";

/** The raw addon. Argument checks of the hot calls happen in C++. */
export interface NativeBinding {
  readonly napiVersion: number;
  readonly backends: readonly string[];
  readonly errno: Readonly<Record<string, number>>;
  readonly constants: Readonly<Record<string, number>>;
  readonly SOCKADDR_SIZE: number;
  pollerCreate(
    backend: string,
    maxEvents: number,
    onBatch: (count: number) => void,
  ): [id: number, events: Int32Array];
  pollerAdd(id: number, fd: number, events: number): void;
  pollerModify(id: number, fd: number, events: number): void;
  pollerRemove(id: number, fd: number): void;
  pollerStart(id: number): void;
  pollerStop(id: number): void;
  pollerRef(id: number): void;
  pollerUnref(id: number): void;
  pollerSize(id: number): number;
  pollerClose(id: number): void;
  noop(): void;
  read(fd: number, buf: Uint8Array, offset: number, length: number): number;
  write(fd: number, buf: Uint8Array, offset: number, length: number): number;
  writev(fd: number, buffers: ReadonlyArray<Uint8Array>, count?: number): number;
  accept(fd: number, peer?: Uint8Array): number;
  connect(fd: number, address: string, port: number): number;
  connectUnix(fd: number, path: string): number;
  socket(domain: number, type: number): number;
  bind(fd: number, address: string, port: number): void;
  bindUnix(fd: number, path: string): void;
  listen(fd: number, backlog: number): void;
  shutdown(fd: number, how: number): void;
  close(fd: number): void;
  setsockopt(fd: number, level: number, option: number, value: number): void;
  getsockopt(fd: number, level: number, option: number): number;
  getsockname(fd: number): { family: "IPv4" | "IPv6" | "unix"; address: string; port: number };
  getpeername(fd: number): { family: "IPv4" | "IPv6" | "unix"; address: string; port: number };
  decodeSockaddr(buf: Uint8Array): {
    family: "IPv4" | "IPv6" | "unix";
    address: string;
    port: number;
  };
  pipe(): [number, number];
  socketpair(type: number): [number, number];
  setNonBlocking(fd: number, on: boolean): void;
  setCloseOnExec(fd: number, on: boolean): void;
  errnoName(negErrno: number): string;
}

/** N-API version the addon is compiled for (binding.gyp NAPI_VERSION). */
const NAPI_VERSION = 8;

const require = createRequire(import.meta.url);
// dist/native.js (and src/native.ts under vitest) sit one level below the package root.
const packageRoot = fileURLToPath(new URL("..", import.meta.url));

function resolveBinary(): string {
  // scripts/asan.mjs sets this to run the tests against the sanitizer build.
  if (process.env.T_POLLER_NATIVE_ASAN === "1") {
    const dir = join(packageRoot, "build-asan", "build", "Debug");
    const file = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith(".node")) : undefined;
    if (file === undefined) {
      throw new Error(`T_POLLER_NATIVE_ASAN=1 but no ASan build in ${dir}`);
    }
    return join(dir, file);
  }
  const nodeGypBuild = require("node-gyp-build") as { resolve(dir: string): string };
  return nodeGypBuild.resolve(packageRoot);
}

function load(): { binding: NativeBinding; path: string } {
  try {
    const path = resolveBinary();
    return { binding: require(path) as NativeBinding, path };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    throw new NativeLoadError(
      `@t/poller-native: no loadable native binary for ${process.platform}-${process.arch} ` +
        `(N-API ${NAPI_VERSION}) under ${packageRoot}: ${reason}. ` +
        "Build it with `pnpm --filter @t/poller-native build` " +
        "(or `node scripts/build-native.mjs` inside the package).",
      { cause },
    );
  }
}

const loaded = load();

/** The loaded addon. */
export const native: NativeBinding = loaded.binding;

/** Absolute path of the `.node` file that was loaded (a prebuild or a local build). */
export const binaryPath: string = loaded.path;
