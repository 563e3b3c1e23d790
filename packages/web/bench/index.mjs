// Benchmark: @t/web (hello + JSON handlers) against fastify, node:http, the bare @t/httpserver
// callback and Tornado's web.Application, in the same run. Each server runs as its own process
// pinned to core 1 (`taskset -c 1`), the load generator (wrk -t1, else load.mjs) to core 0; 50
// keep-alive connections on loopback. Reports req/s and the server's CPU time per request from
// /proc/<pid>/stat (the figure a single-threaded load generator cannot cap), the median of two
// runs, and ratios. Run with `flock /tmp/bench.lock pnpm --filter @t/web bench`.
// Env: BENCH_DURATION_MS (default 4000), BENCH_CONNECTIONS (50), BENCH_RUNS (2),
// BENCH_SERVERS (comma list, default web,httpserver,fastify,node,tornado; "web-before" runs the
// build at BENCH_WEB_BEFORE_DIST as another @t/web, for before/after comparisons).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const WARMUP_MS = 1000;
const MAX_REQUESTS = 5_000_000;
const TICK_MS = 1000 / Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim() || 100);
const PYTHON = "/usr/bin/python3";

const has = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const HAVE_TASKSET = has("taskset");
const HAVE_WRK = has("wrk");
const HAVE_TORNADO = spawnSync(PYTHON, ["-c", "import tornado"]).status === 0;

/** Prefix a command with `taskset -c <core>` when taskset exists. */
function pinned(core, cmd, args) {
  return HAVE_TASKSET ? ["taskset", ["-c", String(core), cmd, ...args]] : [cmd, args];
}

function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime + stime
}

const SERVERS = {
  web: () => pinned(1, process.execPath, [`${here}server.mjs`, "web"]),
  httpserver: () => pinned(1, process.execPath, [`${here}server.mjs`, "httpserver"]),
  fastify: () => pinned(1, process.execPath, [`${here}server.mjs`, "fastify"]),
  node: () => pinned(1, process.execPath, [`${here}server.mjs`, "node"]),
  tornado: () => pinned(1, PYTHON, [`${here}tornado_server.py`]),
  // Another build of @t/web (BENCH_WEB_BEFORE_DIST=/path/to/dist/index.js), for before/after.
  "web-before": () => pinned(1, process.execPath, [`${here}server.mjs`, "web"]),
};
const LABELS = {
  web: "@t/web",
  httpserver: "@t/httpserver (bare)",
  fastify: "fastify",
  node: "node:http",
  tornado: "tornado.web",
  "web-before": "@t/web (before)",
};

function startServer(kind) {
  return new Promise((resolve, reject) => {
    const [cmd, args] = SERVERS[kind]();
    // taskset execs the server, so the child's pid is the server's.
    const env =
      kind === "web-before"
        ? { ...process.env, BENCH_WEB_DIST: process.env.BENCH_WEB_BEFORE_DIST }
        : process.env;
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"], env });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${kind} server did not start`));
    }, 15_000);
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) {
        clearTimeout(timer);
        resolve({ child, port: Number(out.trim()) });
      }
    });
    child.once("error", reject);
  });
}

function stopServer(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** Run the load generator; resolve { requests, elapsedMs, errors }. */
function load(port, path, durationMs) {
  if (HAVE_WRK) {
    const secs = Math.max(1, Math.round(durationMs / 1000));
    const [cmd, args] = pinned(0, "wrk", [
      "-t1",
      `-c${CONNECTIONS}`,
      `-d${secs}s`,
      "--latency",
      `http://127.0.0.1:${port}${path}`,
    ]);
    const out = execFileSync(cmd, args, { timeout: durationMs + 30_000 }).toString();
    const m = /(\d+) requests in ([\d.]+)(us|ms|s|m)\b/.exec(out);
    if (m === null) throw new Error(`cannot parse wrk output:\n${out}`);
    const unit = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[m[3]];
    const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
    const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
    const errors =
      (non2xx ? Number(non2xx[1]) : 0) +
      (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
    return { requests: Number(m[1]), elapsedMs: Number(m[2]) * unit, errors };
  }
  const [cmd, args] = pinned(0, process.execPath, [
    `${here}load.mjs`,
    String(port),
    path,
    String(CONNECTIONS),
    String(durationMs),
    String(MAX_REQUESTS),
  ]);
  const out = execFileSync(cmd, args, { timeout: durationMs + 30_000 });
  return JSON.parse(out.toString());
}

async function measure(kind, path) {
  const { child, port } = await startServer(kind);
  try {
    load(port, path, WARMUP_MS); // warm-up (JIT)
    const before = cpuMs(child.pid);
    const r = load(port, path, DURATION_MS);
    const cpu = cpuMs(child.pid) - before;
    return {
      rps: (r.requests / r.elapsedMs) * 1000,
      cpuUsPerReq: (cpu * 1000) / r.requests,
      errors: r.errors,
    };
  } finally {
    await stopServer(child);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

let kinds = (process.env.BENCH_SERVERS ?? "web,httpserver,fastify,node,tornado").split(",");
for (const k of kinds) if (!(k in SERVERS)) throw new RangeError(`unknown server ${k}`);
if (kinds.includes("tornado") && !HAVE_TORNADO) {
  console.log(
    `tornado skipped: \`${PYTHON} -c "import tornado"\` failed — install it with ` +
      "`apt-get install python3-tornado` (Debian/Ubuntu) or `python3 -m pip install tornado`",
  );
  kinds = kinds.filter((k) => k !== "tornado");
}
if (!HAVE_TASKSET) console.log("taskset not found: processes are not pinned to cores");

console.log(
  `node ${process.version}, ${CONNECTIONS} keep-alive connections, ${DURATION_MS} ms per run, ` +
    `median of ${RUNS} runs, load: ${HAVE_WRK ? "wrk -t1" : "bench/load.mjs"} on core 0, servers on core 1`,
);
for (const [label, path] of [
  ["hello", "/"],
  ["json", "/json"],
]) {
  const results = Object.fromEntries(kinds.map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const kind of kinds) results[kind].push(await measure(kind, path));
  }
  const rows = {};
  for (const kind of kinds) {
    rows[kind] = {
      rps: median(results[kind].map((r) => r.rps)),
      cpu: median(results[kind].map((r) => r.cpuUsPerReq)),
      errors: results[kind].reduce((a, r) => a + r.errors, 0),
    };
  }
  console.log(`\n${label} (GET ${path})`);
  for (const kind of kinds) {
    const r = rows[kind];
    console.log(
      `  ${LABELS[kind].padEnd(21)} ${r.rps.toFixed(0).padStart(7)} req/s ${r.cpu.toFixed(2).padStart(7)} µs CPU/req` +
        (r.errors ? `  (${r.errors} errors)` : ""),
    );
  }
  const web = rows.web;
  if (web !== undefined) {
    for (const other of ["fastify", "node", "tornado", "httpserver", "web-before"]) {
      const o = rows[other];
      if (o === undefined) continue;
      console.log(
        `  @t/web vs ${LABELS[other].padEnd(21)} ${(web.rps / o.rps).toFixed(2)}x req/s, ` +
          `${(o.cpu / web.cpu).toFixed(2)}x CPU efficiency (${(web.cpu - o.cpu).toFixed(2)} µs/req difference)`,
      );
    }
  }
}
