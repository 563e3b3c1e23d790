// Linux `perf` around a running server: sampling (`perf record`), syscall counts (`perf stat`
// on syscall tracepoints) and the samples read back per (shared object, symbol).

import { execFile, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";

/** Syscalls counted one by one (when the kernel has their tracepoint); the rest as "other". */
const syscallNames = [
  "read",
  "readv",
  "recvfrom",
  "recvmsg",
  "write",
  "writev",
  "sendto",
  "sendmsg",
  "epoll_wait",
  "epoll_pwait",
  "epoll_pwait2",
  "epoll_ctl",
  "accept4",
  "close",
  "shutdown",
  "futex",
  "getpid",
  "clock_gettime",
  "ioctl",
  "mmap",
  "munmap",
  "mprotect",
  "madvise",
];

/** Syscall tracepoints present on this kernel (tracefs readable), else an empty list. */
function syscallEvents() {
  const dir = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"].find((d) =>
    existsSync(`${d}/events/raw_syscalls`),
  );
  if (!dir) return [];
  return syscallNames.filter((n) => existsSync(`${dir}/events/syscalls/sys_enter_${n}`));
}

/** The pid and its descendants (nginx: master and worker), from /proc. */
export function processTree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      const kids = readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, "utf8").trim();
      if (kids) out.push(...kids.split(/\s+/).map(Number));
    } catch {}
  }
  return out;
}

function run(cmd, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { timeout: timeoutMs, maxBuffer: 512 * 1024 * 1024, encoding: "utf8" },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args[0]}: ${String(stderr || err.message).trim()}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

/** True when `perf record` can sample a process here (probed on a short-lived child). */
export async function perfWorks() {
  const child = spawn("sh", ["-c", "i=0; while [ $i -lt 2000000 ]; do i=$((i+1)); done"], {
    stdio: "ignore",
  });
  try {
    await run(
      "perf",
      [
        "record",
        "-q",
        "-F",
        "99",
        "-p",
        String(child.pid),
        "-o",
        "/dev/null",
        "--",
        "sleep",
        "0.2",
      ],
      10_000,
    );
    return null;
  } catch (e) {
    return String(e.message).split("\n")[0];
  } finally {
    child.kill("SIGKILL");
  }
}

/**
 * Samples `pids` at `rateHz` (cpu-clock, no call graphs) into `dataFile` and counts their
 * syscalls, both for `seconds`. Resolves to { syscalls: Map(name → count), totalSyscalls,
 * seconds } once both have ended.
 */
export async function recordWindow({ pids, rateHz, seconds, dataFile }) {
  const p = pids.join(",");
  const limitMs = (seconds + 30) * 1000;
  const record = run(
    "perf",
    [
      "record",
      "-q",
      "-e",
      "cpu-clock",
      "-F",
      String(rateHz),
      "-p",
      p,
      "-o",
      dataFile,
      "--",
      "sleep",
      String(seconds),
    ],
    limitMs,
  );
  const names = syscallEvents();
  const events = ["raw_syscalls:sys_enter", ...names.map((n) => `syscalls:sys_enter_${n}`)];
  const stat = names.length
    ? run(
        "perf",
        ["stat", "-x", ",", "-e", events.join(","), "-p", p, "--", "sleep", String(seconds)],
        limitMs,
      )
    : Promise.resolve({ stderr: "" });
  const [, statOut] = await Promise.all([record, stat]);
  const syscalls = new Map();
  let totalSyscalls = Number.NaN;
  for (const line of statOut.stderr.split("\n")) {
    const f = line.split(",");
    const count = Number(f[0]);
    if (f.length < 3 || !Number.isFinite(count)) continue;
    if (f[2] === "raw_syscalls:sys_enter") totalSyscalls = count;
    else if (f[2].startsWith("syscalls:sys_enter_") && count > 0) {
      syscalls.set(f[2].slice("syscalls:sys_enter_".length), count);
    }
  }
  return { syscalls, totalSyscalls, seconds };
}

/**
 * The samples of `dataFile` counted per "dso\tsym" (perf script; JIT code resolved through
 * /tmp/perf-<pid>.map, which must still exist). Returns { counts: Map, total }.
 */
export async function readSamples(dataFile) {
  const { stdout } = await run(
    "perf",
    ["script", "-i", dataFile, "-F", "ip,sym,dso", "--show-kernel-path"],
    300_000,
  );
  const counts = new Map();
  let total = 0;
  for (const line of stdout.split("\n")) {
    // "    7f12ab3c4d5e symbol name with (parens) (/path/to/dso)"
    const m = line.match(/^\s*[0-9a-f]+\s+(.*?)\s*\(([^()]*)\)\s*$/);
    if (!m) continue;
    const key = `${m[2]}\t${m[1] || "[unknown]"}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    total++;
  }
  return { counts, total };
}
