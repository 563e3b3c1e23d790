// Benchmark: @t/web (hello + JSON handlers) against plain node:http in the same run.
// Spawns each server and a keep-alive load generator as child processes on loopback, measures
// requests/s and the server's CPU time per request from /proc/<pid>/stat, runs everything twice
// and prints the median (mean of the two) with ratios. Run with `flock /tmp/bench.lock pnpm bench`.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000);
const MAX_REQUESTS = 2_000_000;
const RUNS = 2;
const TICK_MS = 1000 / Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim() || 100);

function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime + stime
}

function startServer(kind) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${here}server.mjs`, kind], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const timer = setTimeout(() => reject(new Error(`${kind} server did not start`)), 10_000);
    child.stdout.once("data", (d) => {
      clearTimeout(timer);
      resolve({ child, port: Number(String(d).trim()) });
    });
    child.once("error", reject);
  });
}

function load(port, path, durationMs) {
  const out = execFileSync(
    process.execPath,
    [
      `${here}load.mjs`,
      String(port),
      path,
      String(CONNECTIONS),
      String(durationMs),
      String(MAX_REQUESTS),
    ],
    { timeout: durationMs + 20_000 },
  );
  return JSON.parse(out.toString());
}

async function measure(kind, path) {
  const { child, port } = await startServer(kind);
  try {
    load(port, path, 500); // warm-up
    const before = cpuMs(child.pid);
    const r = load(port, path, DURATION_MS);
    const cpu = cpuMs(child.pid) - before;
    return {
      rps: (r.requests / r.elapsedMs) * 1000,
      cpuUsPerReq: (cpu * 1000) / r.requests,
      errors: r.errors,
    };
  } finally {
    child.kill("SIGTERM");
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(
  `node ${process.version}, ${CONNECTIONS} keep-alive connections, ${DURATION_MS} ms per run, median of ${RUNS} runs`,
);
for (const [label, path] of [
  ["hello", "/"],
  ["json", "/json"],
]) {
  const results = { web: [], node: [] };
  for (let i = 0; i < RUNS; i++) {
    for (const kind of ["web", "node"]) results[kind].push(await measure(kind, path));
  }
  const row = (kind) => ({
    rps: median(results[kind].map((r) => r.rps)),
    cpu: median(results[kind].map((r) => r.cpuUsPerReq)),
  });
  const web = row("web");
  const node = row("node");
  console.log(
    `${label.padEnd(6)} @t/web ${web.rps.toFixed(0).padStart(7)} req/s ${web.cpu.toFixed(1).padStart(6)} µs CPU/req | ` +
      `node:http ${node.rps.toFixed(0).padStart(7)} req/s ${node.cpu.toFixed(1).padStart(6)} µs CPU/req | ` +
      `ratio ${(web.rps / node.rps).toFixed(2)}x throughput, ${(node.cpu / web.cpu).toFixed(2)}x CPU efficiency`,
  );
}
