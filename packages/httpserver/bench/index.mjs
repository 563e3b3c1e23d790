// Benchmark: @t/httpserver vs node:http hello world, keep-alive (50 connections) and pipelined
// (16 deep), in child processes on loopback; req/s and server CPU µs per request (/proc/<pid>/stat).

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 4000);
const ONLY = process.env.BENCH_ONLY; // "keep-alive" or "pipelined": run one scenario
const MAX_REQUESTS = 5_000_000;
const RUNS = 2;
const CLK_TCK = 100; // Linux USER_HZ

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { user: Number(fields[11]), system: Number(fields[12]) }; // utime, stime
}

function startServer(kind) {
  const child = spawn(process.execPath, [`${here}server.mjs`, kind], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${kind} server did not start`)), 10_000);
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) {
        clearTimeout(timer);
        resolve({ child, port: Number(out.trim()) });
      }
    });
    child.on("error", reject);
  });
}

function runLoad(port, conns, depth, durationMs) {
  const child = spawn(
    process.execPath,
    [`${here}load.mjs`, port, conns, depth, durationMs, MAX_REQUESTS].map(String),
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("load generator timed out"));
    }, durationMs + 20_000);
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.on("exit", () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out));
      } catch (err) {
        reject(err);
      }
    });
  });
}

async function measure(kind, conns, depth) {
  const { child, port } = await startServer(kind);
  try {
    await runLoad(port, conns, depth, 500); // warm-up (JIT)
    const before = cpuTicks(child.pid);
    const r = await runLoad(port, conns, depth, DURATION_MS);
    const after = cpuTicks(child.pid);
    const us = (ticks) => ((ticks / CLK_TCK) * 1e6) / r.requests;
    return {
      reqPerSec: (r.requests / r.ms) * 1000,
      cpuUsPerReq: us(after.user + after.system - before.user - before.system),
      userUsPerReq: us(after.user - before.user),
    };
  } finally {
    child.kill("SIGTERM");
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const scenarios = [
  { name: "keep-alive, 50 connections", conns: 50, depth: 1 },
  { name: "pipelined 16 deep, 50 connections", conns: 50, depth: 16 },
];

console.log(
  `@t/httpserver vs node:http — ${cpus().length} CPUs, node ${process.version}, ${RUNS} runs × ${DURATION_MS} ms, medians`,
);
for (const sc of scenarios) {
  if (ONLY !== undefined && !sc.name.startsWith(ONLY)) continue;
  const res = { t: [], node: [] };
  for (let run = 0; run < RUNS; run++) {
    for (const kind of ["t", "node"]) res[kind].push(await measure(kind, sc.conns, sc.depth));
  }
  const agg = (kind, key) => median(res[kind].map((r) => r[key]));
  const tRps = agg("t", "reqPerSec");
  const nRps = agg("node", "reqPerSec");
  const tCpu = agg("t", "cpuUsPerReq");
  const nCpu = agg("node", "cpuUsPerReq");
  const tUser = agg("t", "userUsPerReq");
  const nUser = agg("node", "userUsPerReq");
  console.log(`\n${sc.name}`);
  console.log(
    `  @t/httpserver  ${Math.round(tRps).toString().padStart(8)} req/s  ${tCpu.toFixed(2).padStart(6)} µs CPU/req (user ${tUser.toFixed(2)})`,
  );
  console.log(
    `  node:http      ${Math.round(nRps).toString().padStart(8)} req/s  ${nCpu.toFixed(2).padStart(6)} µs CPU/req (user ${nUser.toFixed(2)})`,
  );
  console.log(
    `  ratio          ${(tRps / nRps).toFixed(2)}× req/s, ${(nCpu / tCpu).toFixed(2)}× CPU efficiency`,
  );
}
