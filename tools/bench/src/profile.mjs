// Where the time goes: each server started as `pnpm bench` starts it (Node ones with
// --perf-basic-prof), the bench's load applied, the server sampled with `perf record` and its
// syscalls counted with `perf stat`, the samples split into kernel / JavaScript / V8 / OpenSSL /
// libc / addon / other. Prints one markdown table per scenario.
//
// Usage (root, or perf_event_paranoid ≤ 1; under flock /tmp/bench.lock — `pnpm profile` takes it):
//   node src/profile.mjs [--duration=5] [--rate=999] [--only=c50,tls-c50,ws32] [--servers=t,node]
//                        [--runs=2] [--top=5] [--out=FILE.md] [--json=FILE.json]
// Each run: 1 s warm-up, then the load for duration+1 s with perf over `duration` s inside it;
// runs (default 2) are interleaved, samples pooled, CPU and syscalls per request medians.
// Load goes to 127.0.0.1 only; every load, perf and child process is bounded in time.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { hasWrk, runLoad } from "./load.mjs";
import { cpuSecondsOfTree } from "./procstat.mjs";
import { makeClassifier } from "./profile-classify.mjs";
import { perfWorks, processTree, readSamples, recordWindow } from "./profile-perf.mjs";
import { renderScenario } from "./profile-render.mjs";
import { summarize } from "./profile-summary.mjs";
import { makeSections } from "./sections.mjs";
import { startServer } from "./server-process.mjs";
import { detect } from "./servers.mjs";
import { makeSelfSignedCert } from "./tls-cert.mjs";
import { runWsLoad } from "./ws-load.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, "").split("=");
    return [k, v ?? "1"];
  }),
);
const durationS = Number(args.get("duration") ?? 5);
const rateHz = Number(args.get("rate") ?? 999);
const onlyScenarios = args.get("only")?.split(",");
const onlyServers = args.get("servers")?.split(",");
const serverCore = os.cpus().length > 1 ? "1" : "0";
const loadCore = "0";
const topN = Number(args.get("top") ?? 5);
const runs = Number(args.get("runs") ?? 2);

/** What is profiled: section id, scenario id, the servers side by side (ids of servers.mjs). */
const plan = [
  { section: "http", scenario: "c50", servers: ["t", "t-web", "node", "nginx", "uws"] },
  { section: "http", scenario: "c256", servers: ["t"] },
  { section: "http", scenario: "p16", servers: ["t"] },
  { section: "https", scenario: "tls-c50", servers: ["t", "node"] },
  { section: "ws", scenario: "ws32", servers: ["t", "ws", "uws"] },
  { section: "ws", scenario: "ws64k", servers: ["t", "ws", "uws"] },
];

/** The bench's server definition, with node started under --perf-basic-prof (JIT symbols). */
const withPerfMap = (def) => ({
  ...def,
  cmd: (port) => {
    const [cmd, cmdArgs, tmpDir] = def.cmd(port);
    return cmd === process.execPath
      ? [cmd, ["--perf-basic-prof", ...cmdArgs], tmpDir]
      : [cmd, cmdArgs, tmpDir];
  },
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Loads the running `server` as the bench does and samples it over `durationS` s inside the
 * load. Returns { cpuUsPerUnit, unitsPerS, window } (window: recordWindow's result).
 */
async function loadAndRecord(section, sc, server, dataFile) {
  const record = async (delayMs) => {
    await sleep(delayMs);
    return recordWindow({ pids: processTree(server.pid), rateHz, seconds: durationS, dataFile });
  };
  if (section.kind === "ws") {
    const [r, window] = await Promise.all([
      runWsLoad({
        port: server.port,
        pid: server.pid,
        core: loadCore,
        connections: sc.connections,
        window: sc.window,
        sizeBytes: sc.sizeBytes,
        binary: sc.binary,
        warmupS: 1,
        durationS: durationS + 1,
        maxMessages: 50_000_000,
      }),
      record(1500),
    ]);
    if (r.errors) console.log(`  (${r.errors} echo errors)`);
    return { cpuUsPerUnit: r.cpuUsPerMsg, unitsPerS: r.msgPerS, window };
  }
  const load = {
    port: server.port,
    connections: sc.connections,
    pipeline: sc.pipeline,
    https: sc.https,
    core: loadCore,
  };
  await runLoad({ ...load, durationS: 1 });
  const cpu0 = cpuSecondsOfTree(server.pid);
  const [r, window] = await Promise.all([
    runLoad({ ...load, durationS: durationS + 1 }),
    record(500),
  ]);
  const cpu1 = cpuSecondsOfTree(server.pid);
  if (r.errors) console.log(`  (${r.errors} load errors)`);
  return { cpuUsPerUnit: ((cpu1 - cpu0) * 1e6) / r.requests, unitsPerS: r.rps, window };
}

/**
 * One server under one scenario, one run: its raw samples, CPU and syscalls per request (or
 * null when it failed). Deletes the perf data and the perf maps of the processes it started.
 */
async function profileOne(section, sc, def, tmp) {
  const dataFile = path.join(tmp, `${section.id}-${sc.id}-${def.id}.data`);
  let server;
  try {
    server = await startServer(withPerfMap(def), serverCore, here);
  } catch (e) {
    console.log(`${def.name} did not start: ${e.message}`);
    return null;
  }
  const pids = processTree(server.pid);
  try {
    let m;
    try {
      m = await loadAndRecord(section, sc, server, dataFile);
    } finally {
      await server.stop();
    }
    const { counts, total } = await readSamples(dataFile);
    const units = m.unitsPerS * m.window.seconds;
    return {
      name: def.name,
      cpuUsPerUnit: m.cpuUsPerUnit,
      unitsPerS: m.unitsPerS,
      counts,
      total,
      syscallsPerUnit: m.window.totalSyscalls / units,
      bySyscall: new Map([...m.window.syscalls].map(([n, c]) => [n, c / units])),
    };
  } catch (e) {
    console.log(`${def.name} ${sc.id} failed: ${String(e.message).split("\n")[0]}`);
    return null;
  } finally {
    rmSync(dataFile, { force: true });
    // The perf maps of the processes this run started (node writes and never removes them).
    for (const pid of pids) rmSync(`/tmp/perf-${pid}.map`, { force: true });
  }
}

const perfError = await perfWorks();
if (perfError) {
  console.log(`# perf cannot sample here: ${perfError}`);
  console.log("# (root, or /proc/sys/kernel/perf_event_paranoid ≤ 1, and linux-perf installed)");
  process.exit(1);
}
const read = (f) => {
  try {
    return readFileSync(f, "utf8").trim();
  } catch {
    return "?";
  }
};
if (read("/proc/sys/kernel/kptr_restrict") !== "0") {
  console.log(
    "# kernel symbols may be hidden (kptr_restrict ≠ 0): kernel samples still count, their names may not",
  );
}
const found = detect();
const tls = hasWrk() ? makeSelfSignedCert() : null;
const sections = makeSections(found, tls);
const classify = makeClassifier(process.execPath);
const tmp = mkdtempSync(path.join(os.tmpdir(), "t-bench-perf-"));
const load0 = os.loadavg();
const started = new Date();
console.log(
  `# profile: node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"} x${os.cpus().length}, perf -F ${rateHz} over ${durationS} s per server, ${runs} runs, load average ${load0.map((x) => x.toFixed(2)).join(" ")}`,
);
/** The plan's entries that run here, each with its section, scenario and server definitions. */
const todo = [];
for (const p of plan) {
  if (onlyScenarios && !onlyScenarios.includes(p.scenario)) continue;
  const section = sections.find((s) => s.id === p.section);
  const sc = section?.scenarios.find((s) => s.id === p.scenario);
  if (!section || !sc) {
    console.log(`# ${p.scenario} skipped (${p.section} not available here)`);
    continue;
  }
  const defs = p.servers
    .filter((id) => !onlyServers || onlyServers.includes(id))
    .map((id) => section.servers.find((s) => s.id === id))
    .filter(Boolean);
  todo.push({ section, sc, defs, raw: new Map(defs.map((d) => [d.id, []])) });
}
try {
  // Runs interleaved (every server once per run) so that machine noise hits them alike.
  for (let run = 0; run < runs; run++) {
    for (const { section, sc, defs, raw } of todo) {
      for (const def of defs) {
        const r = await profileOne(section, sc, def, tmp);
        if (!r) continue;
        raw.get(def.id).push(r);
        const kernel = [...r.counts].reduce(
          (a, [k, n]) => a + (classify(...k.split("\t")) === "kernel" ? n : 0),
          0,
        );
        console.log(
          `${def.name.padEnd(18)} ${sc.id.padEnd(8)} run ${run + 1}: ${r.cpuUsPerUnit.toFixed(2)} µs CPU, ${r.syscallsPerUnit.toFixed(2)} syscalls, kernel ${((100 * kernel) / r.total).toFixed(1)} % of ${r.total} samples`,
        );
      }
    }
  }
} finally {
  tls?.remove();
  rmSync(tmp, { recursive: true, force: true });
}
const results = todo
  .map(({ section, sc, defs, raw }) => ({
    title: `${section.title}: ${sc.label}`,
    unit: section.kind === "ws" ? "message" : "request",
    rows: defs
      .filter((d) => raw.get(d.id).length)
      .map((d) => summarize(raw.get(d.id), classify, topN)),
  }))
  .filter((r) => r.rows.length);
const load1 = os.loadavg();
const header = `Profiled ${started.toISOString().slice(0, 16).replace("T", " ")} UTC: \`perf record -e cpu-clock -F ${rateHz}\` of the server process tree for ${durationS} s inside the bench's load (after 1 s warm-up), ${runs} run${runs > 1 ? "s" : ""} interleaved (samples pooled, CPU and syscalls per request: median), Node servers with \`--perf-basic-prof\`; ${os.cpus().length}-core VM, server on core ${serverCore}, load on core ${loadCore}; load average ${load0[0].toFixed(2)} at the start, ${load1[0].toFixed(2)} at the end. µs = share × the server's CPU per request (or message) over the load run (perf running).`;
const md = [header, "", ...results.map((r) => renderScenario(r, r.rows))].join("\n");
console.log(`\n${md}`);
if (args.has("out")) writeFileSync(args.get("out"), md);
if (args.has("json")) {
  const plain = results.map((r) => ({
    ...r,
    rows: r.rows.map((x) => ({ ...x, shares: Object.fromEntries(x.shares) })),
  }));
  writeFileSync(args.get("json"), JSON.stringify(plain, null, 1));
}
