// Build Node-shaped system errors for failures learned through SO_ERROR rather than a throw.

import { getSystemErrorName } from "node:util";

/** A system error shaped like Node's: `code`, negative `errno`, `syscall`, and the address. */
export interface SystemErrorShape extends Error {
  code: string;
  errno: number;
  syscall: string;
  address?: string;
  port?: number;
}

/** Make an Error for the positive errno `err` that `syscall` on `address:port` failed with. */
export function systemError(
  syscall: string,
  err: number,
  address?: string,
  port?: number,
): SystemErrorShape {
  let code: string;
  try {
    code = getSystemErrorName(-Math.abs(err));
  } catch {
    code = `E${err}`;
  }
  const where = address === undefined ? "" : port ? ` ${address}:${port}` : ` ${address}`;
  const e = new Error(`${syscall} ${code}${where}`) as SystemErrorShape;
  e.code = code;
  e.errno = -Math.abs(err);
  e.syscall = syscall;
  if (address !== undefined) e.address = address;
  if (port) e.port = port;
  return e;
}
