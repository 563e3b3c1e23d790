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
    receiveBytes?: number,
  ): [id: number, events: Int32Array, readAhead: Int32Array, receive: Uint8Array];
  pollerAdd(id: number, fd: number, events: number): void;
  pollerModify(id: number, fd: number, events: number): void;
  pollerRemove(id: number, fd: number): void;
  pollerSetReadAhead(id: number, fd: number, maxBytes: number): void;
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
  systemError(
    negErrno: number,
    syscall: string,
    fd?: number,
    address?: string,
    port?: number,
  ): Error; // shaped as system-error.ts's SystemError
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

/** The platform tuples (`linux-x64`, …) this copy of the package has prebuilt binaries for. */
function prebuiltTuples(): string[] {
  const dir = join(packageRoot, "prebuilds");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter(
      (e) => e.isDirectory() && readdirSync(join(dir, e.name)).some((f) => f.endsWith(".node")),
    )
    .map((e) => e.name)
    .sort();
}

/** What a user of the published package can do when no binary loads (NativeLoadError's advice). */
function loadAdvice(tuple: string): string {
  const prebuilt = prebuiltTuples();
  const lines = [
    prebuilt.length === 0
      ? "This package has no prebuilt binaries."
      : `Prebuilt binaries in this package: ${prebuilt.join(", ")}` +
        `${prebuilt.includes(tuple) ? "" : ` (none for ${tuple})`}.`,
  ];
  if (process.platform === "win32") {
    lines.push(
      "Windows is not supported: the poller needs epoll (Linux), kqueue (macOS, BSD) or poll(2) " +
        "on raw descriptors; use WSL or a Linux container.",
    );
  } else {
    lines.push(
      "To build one from source, install node-gyp's toolchain (Python 3, make and a C++ " +
        "compiler: `apt-get install python3 make g++` on Debian/Ubuntu, " +
        "`xcode-select --install` on macOS), then run `npm rebuild @t/poller-native` " +
        "(pnpm: `pnpm rebuild @t/poller-native`; pnpm 10 runs a dependency's build only when it " +
        "is listed in `pnpm.onlyBuiltDependencies`), or `node scripts/build-native.mjs` in " +
        `${packageRoot} with node-gyp installed.`,
      "Supported: Linux (epoll), macOS and the BSDs (kqueue), other Unix (poll). " +
        "T_POLLER_BACKEND only chooses among the backends inside the binary; there is no " +
        "backend without it.",
    );
  }
  lines.push("Working in the @t repository: `pnpm --filter @t/poller-native build`.");
  return lines.join("\n");
}

function load(): { binding: NativeBinding; path: string } {
  try {
    const path = resolveBinary();
    return { binding: require(path) as NativeBinding, path };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    const tuple = `${process.platform}-${process.arch}`;
    throw new NativeLoadError(
      `@t/poller-native: no native binary loads for ${tuple} (Node ${process.versions.node}, ` +
        `N-API ${NAPI_VERSION}) under ${packageRoot}: ${reason}.\n${loadAdvice(tuple)}`,
      { cause },
    );
  }
}

const loaded = load();

/** The loaded addon. */
export const native: NativeBinding = loaded.binding;

/** Absolute path of the `.node` file that was loaded (a prebuild or a local build). */
export const binaryPath: string = loaded.path;
