// Echo benchmark: @t/websocket's WebSocketHandler against `ws` (and uWebSockets.js when installed),
// side by side in one run. Run: pnpm --filter @t/websocket bench (it takes /tmp/bench.lock).
//
// Each server is its own process pinned to core 1 (`taskset`), the load driver (driver.mjs: raw
// sockets, pre-masked frames) another pinned to core 0; 50 connections on loopback. Per cell: a
// warm-up, then a run bounded in time and message count; the server's CPU (user + system, every
// thread) is read from the server itself (process.cpuUsage) right before and after the run. The
// figure that matters is server CPU per message (µs), which the single load process cannot cap;
// its inverse, messages per server CPU-second, is what the ratios compare. Medians of the runs.
// It is a capacity figure only while the server sets the pace (near 100 % of its core): a
// server that batches its reads and writes spends less per message the more messages wait for
// it, so the share of each core (server's and driver's) is printed beside it.
// Env: BENCH_DURATION_MS (4000), BENCH_RUNS (2), BENCH_SERVERS (comma list, default t,ws,uws;
// "before" runs the build at BENCH_BEFORE_DIR, a packages/websocket directory), BENCH_ONLY
// ("32" or "64": one workload), BENCH_WINDOW (messages in flight per connection at 32 B, 8).

import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const WARMUP_MS = 1000;
const CONNECTIONS = 50;
/** Messages in flight per connection at 32 B: 8 as in tools/bench (`pnpm bench`) unless set. */
const WINDOW_32 = Number(process.env.BENCH_WINDOW ?? 8);
const WORKLOADS = [
  { key: "32", name: "32 B text", size: 32, binary: 0, window: WINDOW_32, max: 5_000_000 },
  { key: "64", name: "64 KiB binary", size: 64 * 1024, binary: 1, window: 2, max: 200_000 },
];
const HAVE_UWS = existsSync(`${here}../../../tools/bench/node_modules/uwebsockets`);
const SERVERS = (process.env.BENCH_SERVERS ?? `t,ws${HAVE_UWS ? ",uws" : ""}`).split(",");
const LABELS = { t: "@t/websocket", before: "@t/websocket (before)", ws: "ws", uws: "uWS.js" };
const HAVE_TASKSET = spawnSync("sh", ["-c", "command -v taskset"]).status === 0;

/** `[cmd, args]` for a node script pinned to `core` (when taskset exists). */
function pinned(core, args) {
  return HAVE_TASKSET
    ? ["taskset", ["-c", String(core), process.execPath, ...args]]
    : [process.execPath, args];
}

/** A child whose stdout lines arrive through `next()`; killed by `stop()`. */
function child(core, args, what, timeoutMs) {
  const [cmd, argv] = pinned(core, args);
  const proc = spawn(cmd, argv, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = [];
  const waiting = [];
  createInterface({ input: proc.stdout }).on("line", (line) => {
    const w = waiting.shift();
    if (w !== undefined) w.resolve(line);
    else lines.push(line);
  });
  proc.once("exit", (code, signal) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`${what} exited (${code ?? signal})`));
  });
  return {
    proc,
    /** The next line of output (rejects after `timeoutMs` or when the process exits). */
    next() {
      if (lines.length > 0) return Promise.resolve(lines.shift());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          proc.kill("SIGKILL");
          reject(new Error(`${what} gave no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.push({
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
    },
    send(line) {
      proc.stdin.write(`${line}\n`);
    },
    stop() {
      proc.stdin.end();
      proc.kill("SIGTERM");
    },
  };
}

/** One cell: a fresh server, a warmed-up driver, the measured run. */
async function measure(kind, w) {
  const server = child(1, [`${here}server.mjs`, kind], `${kind} server`, 15_000);
  try {
    const port = Number(await server.next());
    const driver = child(
      0,
      [
        `${here}driver.mjs`,
        ...[port, CONNECTIONS, w.window, w.size, w.binary, WARMUP_MS, DURATION_MS, w.max].map(
          String,
        ),
      ],
      "driver",
      DURATION_MS + WARMUP_MS + 30_000,
    );
    try {
      if ((await driver.next()) !== "ready") throw new Error("driver did not get ready");
      server.send("cpu");
      const before = JSON.parse(await server.next());
      driver.send("go");
      const { received, ms, cpuUs: driverCpuUs } = JSON.parse(await driver.next());
      server.send("cpu");
      const after = JSON.parse(await server.next());
      const userUs = after.user - before.user;
      const cpuUs = userUs + after.system - before.system;
      return {
        rate: (received / ms) * 1000,
        cpuUsPerMsg: cpuUs / received,
        userUsPerMsg: userUs / received,
        serverPct: cpuUs / (ms * 10),
        driverPct: driverCpuUs / (ms * 10),
      };
    } finally {
      driver.stop();
    }
  } finally {
    server.stop();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (n, digits, width) => n.toFixed(digits).padStart(width);

console.log(
  `WebSocket echo, ${CONNECTIONS} connections — ${cpus().length} CPUs, node ${process.version}, ${RUNS} runs × ${DURATION_MS} ms, medians${HAVE_TASKSET ? "" : " (taskset not found: not pinned)"}`,
);
console.log(
  "server CPU µs per message (user + system); msgs per server CPU-second; echoes/s; share of its core used by the server and by the driver (a capacity figure needs the server near 100 %)",
);
for (const w of WORKLOADS) {
  if (process.env.BENCH_ONLY !== undefined && process.env.BENCH_ONLY !== w.key) continue;
  const results = Object.fromEntries(SERVERS.map((k) => [k, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const kind of SERVERS) results[kind].push(await measure(kind, w));
  }
  console.log(`\n${w.name}, ${CONNECTIONS} connections × ${w.window} in flight`);
  const cpu = {};
  for (const kind of SERVERS) {
    const rs = results[kind];
    cpu[kind] = median(rs.map((r) => r.cpuUsPerMsg));
    const user = median(rs.map((r) => r.userUsPerMsg));
    const runs = rs.map((r) => r.cpuUsPerMsg.toFixed(2)).join(" ");
    console.log(
      `  ${LABELS[kind].padEnd(22)} ${fmt(cpu[kind], 2, 8)} µs/msg (user ${fmt(user, 2, 6)}) ${fmt(1e6 / cpu[kind], 0, 8)} msg/CPU-s ${fmt(median(rs.map((r) => r.rate)), 0, 7)} echoes/s  cores: server ${fmt(median(rs.map((r) => r.serverPct)), 0, 3)} %, driver ${fmt(median(rs.map((r) => r.driverPct)), 0, 3)} %  (runs: ${runs})`,
    );
  }
  if (cpu.t !== undefined) {
    for (const other of SERVERS) {
      if (other === "t") continue;
      console.log(
        `  @t ÷ ${LABELS[other].padEnd(18)} ${fmt(cpu[other] / cpu.t, 2, 8)}× messages per server CPU-second`,
      );
    }
  }
}
process.exit(0);
