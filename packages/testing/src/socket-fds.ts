// The process's open socket descriptors, read from /proc/self/fd (Linux); null elsewhere.

import { readdirSync, readlinkSync } from "node:fs";

/**
 * The set of open descriptors that are sockets (`socket:[inode]` links in /proc/self/fd), or
 * null where /proc is not available (then socket leaks are not checked).
 */
export function openSocketFds(): Set<number> | null {
  let names: string[];
  try {
    names = readdirSync("/proc/self/fd");
  } catch {
    return null;
  }
  const out = new Set<number>();
  for (const name of names) {
    try {
      if (readlinkSync(`/proc/self/fd/${name}`).startsWith("socket:")) out.add(Number(name));
    } catch {
      // Closed between readdir and readlink (the readdir's own descriptor among them).
    }
  }
  return out;
}
