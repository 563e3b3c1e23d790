// Listening descriptors of this process: those bound here (handed to pre-forked children) and those inherited from a pre-fork parent.

import {
  constants,
  getsockname,
  getsockopt,
  type SocketAddress,
  setCloseOnExec,
  setNonBlocking,
} from "@t/poller-native";

/** Environment variable naming this process's task id in a pre-forked child. */
export const TASK_ID_ENV = "T_TASK_ID";
/** Environment variable listing the inherited listening fds of a pre-forked child ("3,4"). */
export const INHERITED_FDS_ENV = "T_INHERITED_FDS";

/** SO_ACCEPTCONN per platform (not every platform exports it through @t/poller-native). */
const SO_ACCEPTCONN = process.platform === "linux" ? 30 : 0x0002;

const bound = new Set<number>();

interface InheritedSocket {
  fd: number;
  address: SocketAddress;
}

let childState: { taskId: number | null; sockets: InheritedSocket[] } | null = null;

/** Remember `fd` as a listening socket bound by this process (passed on by forkProcesses). */
export function registerListeningFd(fd: number): void {
  bound.add(fd);
}

/** Forget `fd` (it was closed): forkProcesses must not pass the number on. */
export function forgetListeningFd(fd: number): void {
  bound.delete(fd);
}

/** True when `fd` is an open stream socket in the listening state. */
export function isListeningSocket(fd: number): boolean {
  try {
    getsockname(fd);
    if (getsockopt(fd, constants.SOL_SOCKET, constants.SO_TYPE) !== constants.SOCK_STREAM) {
      return false;
    }
    return getsockopt(fd, constants.SOL_SOCKET, SO_ACCEPTCONN) !== 0;
  } catch {
    return false;
  }
}

/** The listening sockets this process bound and still holds, checked with the kernel. */
export function listeningFds(): number[] {
  const out: number[] = [];
  for (const fd of bound) {
    if (isListeningSocket(fd)) out.push(fd);
    else bound.delete(fd);
  }
  return out;
}

/**
 * Read (once) what a pre-fork parent handed this process: its task id and the inherited
 * listening fds. The variables are removed from `process.env` so that processes this one
 * spawns do not mistake themselves for pre-forked children. Inherited fds are made
 * non-blocking and close-on-exec again (exec cleared close-on-exec).
 */
function child(): { taskId: number | null; sockets: InheritedSocket[] } {
  if (childState !== null) return childState;
  const idText = process.env[TASK_ID_ENV];
  const fdsText = process.env[INHERITED_FDS_ENV];
  delete process.env[TASK_ID_ENV];
  delete process.env[INHERITED_FDS_ENV];
  const id = idText === undefined ? Number.NaN : Number(idText);
  const sockets: InheritedSocket[] = [];
  if (Number.isInteger(id) && id >= 0 && fdsText !== undefined && fdsText !== "") {
    for (const part of fdsText.split(",")) {
      const fd = Number(part);
      if (!Number.isInteger(fd) || fd < 3 || !isListeningSocket(fd)) continue;
      setNonBlocking(fd, true);
      setCloseOnExec(fd, true);
      sockets.push({ fd, address: getsockname(fd) });
    }
  }
  childState = { taskId: Number.isInteger(id) && id >= 0 ? id : null, sockets };
  return childState;
}

/** The task id handed down by a pre-fork parent, or null. */
export function inheritedTaskId(): number | null {
  return child().taskId;
}

/**
 * Claim an inherited listening socket bound to `family`/`address` and `port` (0 = any port).
 * Returns its fd, or -1 when none matches (the caller then binds a new socket).
 */
export function adoptInherited(family: SocketAddress["family"], address: string, port: number) {
  const sockets = child().sockets;
  for (let i = 0; i < sockets.length; i++) {
    const s = sockets[i].address;
    if (s.family === family && s.address === address && (port === 0 || s.port === port)) {
      const fd = sockets[i].fd;
      sockets.splice(i, 1);
      bound.add(fd);
      return fd;
    }
  }
  return -1;
}
