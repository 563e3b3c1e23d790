// HTTP benchmark harness: hello-world servers under the same load, side by side.
//
// Servers: @t/httpserver, node:http, fastify, and where installed Tornado (python3-tornado)
// and nginx (one worker). Load: wrk when installed, else autocannon; server pinned to core 1,
// load generator to core 0. Every run is bounded in time; traffic goes to 127.0.0.1 only.
// Prints req/s, p99, server CPU µs per request (from /proc), RSS per idle keep-alive
// connection, ratios to node:http; writes docs/benchmarks.md and docs/benchmarks.svg.
//
// Usage: node src/index.mjs [--quick] [--only=t,node] [--runs=2] [--duration=10]

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runLoad } from "./load.mjs";
import { cpuSecondsOfTree, rssBytesOfTree } from "./procstat.mjs";
import { renderMarkdown, renderSvg } from "./report.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../..");
const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k, v ?? "1"];
  }),
);
const quick = args.has("quick") || process.env.T_BENCH_QUICK === "1";
const runs = Number(args.get("runs") ?? (quick ? 1 : 2));
const durationS = Number(args.get("duration") ?? (quick ? 3 : 10));
const idleConns = Number(args.get("idle") ?? (quick ? 2000 : 10000));
const only = args.get("only")?.split(",");
const cores = os.cpus().length;
const serverCore = cores > 1 ? "1" : "0";
const loadCore = "0";

function has(cmd) {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function pythonWithTornado() {
  for (const py of ["python3", "/usr/bin/python3"]) {
    try {
      execFileSync(py, ["-c", "import tornado"], { stdio: "ignore" });
      return py;
    } catch {}
  }
  return null;
}

const servers = [
  {
    id: "t",
    name: "@t/httpserver",
    cmd: (port) => ["node", [path.join(here, "servers/t-httpserver.mjs"), port]],
  },
  {
    id: "t-web",
    name: "@t/web",
    cmd: (port) => ["node", [path.join(here, "servers/t-web.mjs"), port]],
  },
  {
    id: "node",
    name: "node:http",
    cmd: (port) => ["node", [path.join(here, "servers/node-http.mjs"), port]],
  },
  {
    id: "fastify",
    name: "fastify",
    cmd: (port) => ["node", [path.join(here, "servers/fastify.mjs"), port]],
  },
];
const py = pythonWithTornado();
if (py) {
  servers.push({
    id: "tornado",
    name: "Tornado HTTPServer",
    cmd: (port) => [py, [path.join(here, "servers/tornado_http.py"), port]],
  });
  servers.push({
    id: "tornado-web",
    name: "Tornado web.Application",
    cmd: (port) => [py, [path.join(here, "servers/tornado_hello.py"), port]],
  });
} else {
  console.log("# Tornado not found: apt-get install python3-tornado to include it");
}
const nginxBin = ["nginx", "/usr/sbin/nginx"].find((b) => has(b));
if (nginxBin) {
  servers.push({
    id: "nginx",
    name: "nginx (1 worker)",
    cmd: (port) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), "t-bench-nginx-"));
      const conf = readFileSync(path.join(here, "servers/nginx.conf.template"), "utf8")
        .replaceAll("__PORT__", String(port))
        .replaceAll("__DIR__", dir);
      writeFileSync(path.join(dir, "nginx.conf"), conf);
      return [nginxBin, ["-c", path.join(dir, "nginx.conf"), "-p", dir], dir];
    },
  });
} else {
  console.log("# nginx not found: apt-get install nginx-light to include it");
}

const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function waitForPort(port, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, "127.0.0.1");
      c.once("connect", () => {
        c.destroy();
        resolve(true);
      });
      c.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server on port ${port} did not come up within ${timeoutMs} ms`);
}

async function startServer(def) {
  const port = await freePort();
  const [cmd, cmdArgs, tmpDir] = def.cmd(String(port));
  const child = spawn("taskset", ["-c", serverCore, cmd, ...cmdArgs], {
    stdio: ["ignore", "ignore", "inherit"],
    cwd: here,
  });
  const exited = new Promise((_, reject) =>
    child.once("exit", (code) =>
      reject(new Error(`${def.name} exited with ${code} before listening`)),
    ),
  );
  exited.catch(() => {});
  await Promise.race([waitForPort(port), exited]);
  return {
    port,
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => {
        const t = setTimeout(() => {
          child.kill("SIGKILL");
          r();
        }, 3000);
        child.once("exit", () => {
          clearTimeout(t);
          r();
        });
      });
      if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
    },
  };
}

/** One load scenario against a running server: throughput, p99 and server CPU per request. */
async function measure(server, scenario) {
  // Warm up (JIT, connection setup), then measure.
  await runLoad({
    port: server.port,
    connections: scenario.connections,
    pipeline: scenario.pipeline,
    durationS: 1,
    core: loadCore,
  });
  const cpu0 = cpuSecondsOfTree(server.pid);
  const r = await runLoad({
    port: server.port,
    connections: scenario.connections,
    pipeline: scenario.pipeline,
    durationS,
    core: loadCore,
  });
  const cpu1 = cpuSecondsOfTree(server.pid);
  const total = r.requests;
  return {
    rps: r.rps,
    p99Ms: r.p99Ms,
    cpuUsPerReq: total > 0 ? ((cpu1 - cpu0) * 1e6) / total : Number.NaN,
    errors: r.errors,
    tool: r.tool,
  };
}

/** RSS growth per idle keep-alive connection: open N, each served once, then idle. */
async function idleRss(server) {
  const before = rssBytesOfTree(server.pid);
  const child = spawn(
    "taskset",
    [
      "-c",
      loadCore,
      process.execPath,
      path.join(here, "idle-connections.mjs"),
      String(server.port),
      String(idleConns),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  const opened = await new Promise((resolve) => {
    const t = setTimeout(() => resolve(-1), 60_000);
    const check = () => {
      const m = out.match(/open (\d+)/);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    };
    child.stdout.on("data", check);
    child.once("exit", () => {
      clearTimeout(t);
      resolve(-1);
    });
  });
  await new Promise((r) => setTimeout(r, 1000));
  const after = rssBytesOfTree(server.pid);
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  if (opened <= 0) return Number.NaN;
  return (after - before) / opened;
}

const scenarios = [
  { id: "c50", label: "keep-alive, 50 connections", connections: 50, pipeline: 1 },
  { id: "c256", label: "keep-alive, 256 connections", connections: 256, pipeline: 1 },
  { id: "p16", label: "pipelined 16 deep, 50 connections", connections: 50, pipeline: 16 },
];

const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

const results = {};
const chosen = servers.filter((s) => !only || only.includes(s.id));
console.log(
  `# bench: node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"} x${cores}, runs=${runs}, ${durationS}s each, server on core ${serverCore}, load on core ${loadCore}`,
);
// Interleave servers within each run so that machine noise hits all of them alike.
for (let run = 0; run < runs; run++) {
  for (const def of chosen) {
    const server = await startServer(def);
    try {
      if (!results[def.id]) results[def.id] = { name: def.name, samples: {} };
      const res = results[def.id];
      for (const sc of scenarios) {
        const m = await measure(server, sc);
        if (!res.samples[sc.id]) res.samples[sc.id] = [];
        res.samples[sc.id].push(m);
        console.log(
          `${def.name.padEnd(24)} ${sc.id.padEnd(5)} ${m.rps.toFixed(0).padStart(8)} req/s  p99 ${m.p99Ms.toFixed(2).padStart(7)} ms  ${m.cpuUsPerReq.toFixed(2).padStart(7)} µs CPU/req  (${m.tool}${m.errors ? `, ${m.errors} errors` : ""})`,
        );
      }
      if (run === 0) {
        res.idleBytes = await idleRss(server);
        console.log(
          `${def.name.padEnd(24)} idle  ${(res.idleBytes / 1024).toFixed(2)} KiB per idle keep-alive connection`,
        );
      }
    } finally {
      await server.stop();
    }
  }
}

const table = Object.entries(results).map(([id, r]) => {
  const row = { id, name: r.name, idleBytes: r.idleBytes };
  for (const sc of scenarios) {
    const xs = r.samples[sc.id] ?? [];
    row[sc.id] = {
      rps: median(xs.map((x) => x.rps)),
      p99Ms: median(xs.map((x) => x.p99Ms)),
      cpuUsPerReq: median(xs.map((x) => x.cpuUsPerReq)),
    };
  }
  return row;
});

const meta = {
  date: new Date().toISOString().slice(0, 10),
  node: process.version,
  cpu: `${os.cpus()[0]?.model ?? "unknown"} x${cores}`,
  runs,
  durationS,
  idleConns,
  tool: has("wrk") ? "wrk (1 thread)" : "autocannon",
};
const md = renderMarkdown(table, scenarios, meta);
console.log(`\n${md}`);
const docs = path.join(repoRoot, "docs");
if (!existsSync(docs)) mkdirSync(docs);
if (!quick && !only) {
  writeFileSync(path.join(docs, "benchmarks.md"), md);
  writeFileSync(path.join(docs, "benchmarks.svg"), renderSvg(table, scenarios, meta));
  console.log("wrote docs/benchmarks.md and docs/benchmarks.svg");
}
