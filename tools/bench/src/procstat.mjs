// Per-process CPU time and resident memory from /proc, summed over a process tree.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let clkTck = 100;
try {
  clkTck = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
} catch {}

function children(pid) {
  try {
    const tasks = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim();
    return tasks ? tasks.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

function tree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...children(out[i]));
  return out;
}

/** User + system CPU seconds of `pid` and its descendants. */
export function cpuSecondsOfTree(pid) {
  let ticks = 0;
  for (const p of tree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {}
  }
  return ticks / clkTck;
}

/** Resident set size in bytes of `pid` and its descendants. */
export function rssBytesOfTree(pid) {
  let kib = 0;
  for (const p of tree(pid)) {
    try {
      const m = readFileSync(`/proc/${p}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
      if (m) kib += Number(m[1]);
    } catch {}
  }
  return kib * 1024;
}
