// bindSockets / bindUnixSocket: create (or, in a pre-forked child, adopt) listening sockets.

import { lookup } from "node:dns/promises";
import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import { isIP } from "node:net";
import {
  bind,
  bindUnix,
  close,
  constants,
  getsockname,
  isSystemError,
  listen,
  setsockopt,
  socket,
} from "@t/poller-native";
import { BindError, NoAddressError } from "./errors.js";
import { adoptInherited, registerListeningFd } from "./inherited-fds.js";

/** Options of {@link bindSockets}. */
export interface BindOptions {
  /** 0 (default) = every family the address resolves to; 4 or 6 = only that one. */
  family?: 0 | 4 | 6;
  /** Length of the kernel's accept queue (`listen(2)` backlog). Default 128. */
  backlog?: number;
  /** Set SO_REUSEPORT so that several processes can bind the same port. Default false. */
  reusePort?: boolean;
}

/** Options of {@link bindUnixSocket}. */
export interface BindUnixOptions {
  /** File mode of the socket file. Default 0o600. */
  mode?: number;
  /** `listen(2)` backlog. Default 128. */
  backlog?: number;
}

/** Tornado's `_DEFAULT_BACKLOG`. */
export const DEFAULT_BACKLOG = 128;
/** Attempts at finding one free port for every family when binding port 0. */
const PORT_ZERO_ATTEMPTS = 10;

interface Target {
  family: 4 | 6;
  address: string;
}

let ipv6Available: boolean | null = null;

/** Whether this host can create IPv6 sockets at all. */
function hasIPv6(): boolean {
  if (ipv6Available === null) {
    try {
      close(socket(6));
      ipv6Available = true;
    } catch {
      ipv6Available = false;
    }
  }
  return ipv6Available;
}

function checkBacklog(backlog: unknown): number {
  if (backlog === undefined) return DEFAULT_BACKLOG;
  if (typeof backlog !== "number" || !Number.isInteger(backlog) || backlog < 0) {
    throw new RangeError(`backlog must be a non-negative integer, got ${String(backlog)}`);
  }
  return backlog;
}

async function resolveTargets(address: string | undefined, family: 0 | 4 | 6): Promise<Target[]> {
  if (address === undefined || address === "") {
    const out: Target[] = [];
    if (family !== 6) out.push({ family: 4, address: "0.0.0.0" });
    if (family !== 4 && hasIPv6()) out.push({ family: 6, address: "::" });
    return out;
  }
  const literal = isIP(address);
  if (literal !== 0) {
    return family === 0 || family === literal ? [{ family: literal as 4 | 6, address }] : [];
  }
  const found = await lookup(address, { all: true, family });
  const out: Target[] = [];
  // Tornado binds every distinct result, IPv4 first.
  for (const f of [4, 6] as const) {
    for (const r of found) {
      if (r.family !== f || out.some((t) => t.family === f && t.address === r.address)) continue;
      out.push({ family: f, address: r.address });
    }
  }
  return out;
}

/**
 * A failed `bind(2)`/`listen(2)` as a {@link BindError} that names the address and what to
 * change; any other error is returned as it is.
 */
function asBindError(err: unknown, address: string, port: number | undefined): unknown {
  if (!isSystemError(err) || (err.syscall !== "bind" && err.syscall !== "listen")) return err;
  // The addon's message ends with the kernel's wording: "bind EADDRINUSE 1.2.3.4:80 (fd 17): ...".
  const cut = err.message.lastIndexOf("): ");
  const description = cut === -1 ? err.code : err.message.slice(cut + 3);
  const { code, errno, syscall } = err;
  return new BindError({ code, errno, syscall, description }, address, port);
}

function bindOne(target: Target, port: number, backlog: number, reusePort: boolean): number {
  const fd = socket(target.family);
  try {
    setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEADDR, 1);
    if (reusePort) setsockopt(fd, constants.SOL_SOCKET, constants.SO_REUSEPORT, 1);
    // One socket per family: keep the v6 one from also taking v4 (mapped) connections.
    if (target.family === 6) setsockopt(fd, constants.IPPROTO_IPV6, constants.IPV6_V6ONLY, 1);
    bind(fd, target.address, port);
    listen(fd, backlog);
  } catch (err) {
    close(fd);
    throw err;
  }
  return fd;
}

/**
 * Create one listening socket per address `address` resolves to (Tornado's
 * `netutil.bind_sockets`). Without an address (or with `""`), binds every interface:
 * `0.0.0.0` and, where IPv6 exists, `::`. Sockets are non-blocking and close-on-exec with
 * SO_REUSEADDR (and IPV6_V6ONLY on IPv6); port 0 picks one free port used for every family.
 * In a pre-forked child the matching inherited sockets are adopted instead of bound.
 *
 * Rejects with a {@link BindError} when `bind(2)` or `listen(2)` fails (its `code` is the errno
 * name, e.g. `EADDRINUSE`; its message names the address and what to change), a DNS error
 * (`ENOTFOUND`), or {@link NoAddressError} when nothing matched `family`.
 */
export async function bindSockets(
  port: number,
  address?: string,
  options: BindOptions = {},
): Promise<number[]> {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`port must be an integer in 0..65535, got ${port}`);
  }
  if (address !== undefined && typeof address !== "string") {
    throw new TypeError(`address must be a string, got ${typeof address}`);
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError("options must be an object");
  }
  const family = options.family ?? 0;
  if (family !== 0 && family !== 4 && family !== 6) {
    throw new RangeError(`family must be 0, 4 or 6, got ${String(family)}`);
  }
  const backlog = checkBacklog(options.backlog);
  const reusePort = options.reusePort === true;
  const targets = await resolveTargets(address, family);
  if (targets.length === 0) {
    throw new NoAddressError(
      `${address || "every interface"} has no ${family === 0 ? "" : `IPv${family} `}address to bind`,
    );
  }

  // A pre-forked child takes the sockets its parent bound for the same addresses.
  const fds: number[] = [];
  let chosenPort = port;
  const missing: Target[] = [];
  for (const t of targets) {
    const fd = adoptInherited(t.family === 4 ? "IPv4" : "IPv6", t.address, chosenPort);
    if (fd === -1) {
      missing.push(t);
      continue;
    }
    fds.push(fd);
    if (chosenPort === 0) chosenPort = getsockname(fd).port;
  }
  if (missing.length === 0) return fds;

  for (let attempt = 1; ; attempt++) {
    const made: number[] = [];
    let tryPort = chosenPort;
    let current = missing[0] as Target;
    try {
      for (const t of missing) {
        current = t;
        let fd: number;
        try {
          fd = bindOne(t, tryPort, backlog, reusePort);
        } catch (err) {
          // Tornado: "localhost" may resolve to ::1 on hosts without IPv6 configured.
          if (
            t.family === 6 &&
            address === "localhost" &&
            isSystemError(err) &&
            err.code === "EADDRNOTAVAIL"
          ) {
            continue;
          }
          throw err;
        }
        made.push(fd);
        if (tryPort === 0) tryPort = getsockname(fd).port;
      }
    } catch (err) {
      for (const fd of made) close(fd);
      // Port 0: the port picked for the first family may be taken in another; pick again.
      const retry =
        port === 0 &&
        fds.length === 0 &&
        made.length > 0 &&
        attempt < PORT_ZERO_ATTEMPTS &&
        isSystemError(err) &&
        err.code === "EADDRINUSE";
      if (retry) continue;
      for (const fd of fds) close(fd);
      throw asBindError(err, current.address, tryPort);
    }
    for (const fd of made) registerListeningFd(fd);
    fds.push(...made);
    if (fds.length === 0) throw new NoAddressError(`no usable address to bind for ${address}`);
    return fds;
  }
}

/**
 * Create a listening Unix socket at `path` (Tornado's `netutil.bind_unix_socket`): a stale
 * socket file is removed first, any other existing file is an error; the file gets `mode`.
 * In a pre-forked child the inherited socket bound to `path` is adopted instead. A failed
 * bind or listen throws a {@link BindError} naming the path (e.g. `EACCES` for a directory this
 * user cannot write to).
 */
export function bindUnixSocket(path: string, options: BindUnixOptions = {}): number {
  if (typeof path !== "string" || path.length === 0) {
    throw new TypeError("bindUnixSocket expects a non-empty socket path");
  }
  if (options === null || typeof options !== "object") {
    throw new TypeError("options must be an object");
  }
  const mode = options.mode ?? 0o600;
  if (!Number.isInteger(mode) || mode < 0 || mode > 0o7777) {
    throw new RangeError(`mode must be a file mode in 0..0o7777, got ${String(mode)}`);
  }
  const backlog = checkBacklog(options.backlog);
  const adopted = adoptInherited("unix", path, 0);
  if (adopted !== -1) return adopted;
  let stat: ReturnType<typeof lstatSync> | undefined;
  try {
    stat = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (stat !== undefined) {
    if (!stat.isSocket()) throw new TypeError(`${path} exists and is not a socket`);
    unlinkSync(path);
  }
  const fd = socket("unix");
  try {
    bindUnix(fd, path);
    chmodSync(path, mode);
    listen(fd, backlog);
  } catch (err) {
    close(fd);
    throw asBindError(err, path, undefined);
  }
  registerListeningFd(fd);
  return fd;
}
