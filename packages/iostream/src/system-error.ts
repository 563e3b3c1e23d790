// Node-shaped system errors for failures learned through SO_ERROR rather than a throw.

import { systemError as makeSystemError } from "@t/poller-native";

/** A system error shaped like Node's: `code`, negative `errno`, `syscall`, and the address. */
export interface SystemErrorShape extends Error {
  code: string;
  errno: number;
  syscall: string;
  address?: string;
  port?: number;
}

/**
 * Make an Error for the errno `err` (positive as SO_ERROR yields it, or negative) that `syscall`
 * on `address:port` failed with. It is built by @t/poller-native's `systemError`, so it reads
 * exactly like the errors the addon throws (`connect ECONNREFUSED 127.0.0.1:80: connection
 * refused`). A `port` of 0 or undefined is left out (unix sockets have none).
 */
export function systemError(
  syscall: string,
  err: number,
  address?: string,
  port?: number,
): SystemErrorShape {
  return makeSystemError({
    errno: -Math.abs(err),
    syscall,
    address,
    port: address !== undefined && port ? port : undefined,
  });
}
