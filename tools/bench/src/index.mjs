// Benchmark harness: hello-world HTTP and HTTPS servers and WebSocket echo servers under the
// same load, side by side, with nginx and uWebSockets.js as anchors.
//
// Server pinned to core 1, load generator to core 0; every run bounded in time (and the
// WebSocket load in count); traffic to 127.0.0.1 only. Prints per measurement, then the tables
// with ratios and issue 20's aims; a full run writes docs/benchmarks.md and docs/benchmarks.svg.
//
// Usage: node src/index.mjs [--quick] [--only=t,node] [--groups=http,https,ws] [--runs=2]
//        [--duration=10] [--idle=10000] [--out=DIR] [--json=FILE] [--from=FILE]
// --out writes the report to DIR instead of docs/ (also in --quick); --json saves the medians;
// --from renders a report from such a file without measuring.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { idleRss, measureHttp, tlsVersionOf } from "./http-measure.mjs";
import { hasWrk } from "./load.mjs";
import { median } from "./median.mjs";
import { computeAims, renderAimsText, renderMarkdown, renderSvg } from "./report.mjs";
import { makeSections } from "./sections.mjs";
import { startServer } from "./server-process.mjs";
import { detect } from "./servers.mjs";
import { makeSelfSignedCert } from "./tls-cert.mjs";
import { runWsLoad } from "./ws-load.mjs";

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
const groupsWanted = args.get("groups")?.split(",") ?? ["http", "https", "ws"];
const cores = os.cpus().length;
const serverCore = cores > 1 ? "1" : "0";
const loadCore = "0";
/** Bound on the echoes counted per WebSocket run (the time bound usually ends it first). */
const wsMaxMessages = 50_000_000;
/** Keeps hand-written text (e.g. "where the time goes") across regenerations of the report. */
const notesMarker =
  "<!-- Hand-written notes below this line are kept when the harness regenerates the file. -->";

/** One scenario against a running server; a failed load is printed and recorded as failed. */
async function measure(section, server, sc) {
  try {
    if (section.kind === "ws") {
      return await runWsLoad({
        port: server.port,
        pid: server.pid,
        core: loadCore,
        connections: sc.connections,
        window: sc.window,
        sizeBytes: sc.sizeBytes,
        binary: sc.binary,
        warmupS: 1,
        durationS,
        maxMessages: wsMaxMessages,
      });
    }
    return await measureHttp(server, sc, { core: loadCore, durationS });
  } catch (e) {
    console.log(`  ${sc.id} failed: ${String(e.message).split("\n")[0]}`);
    return { failed: true };
  }
}

function printMeasurement(section, name, sc, m) {
  if (m.failed) return;
  const label = `${name.padEnd(24)} ${sc.id.padEnd(7)}`;
  if (section.kind === "ws") {
    console.log(
      `${label} ${m.msgPerS.toFixed(0).padStart(8)} msg/s  ${m.cpuUsPerMsg.toFixed(2).padStart(7)} µs CPU/msg  ${m.msgPerCpuS.toFixed(0).padStart(8)} msg per CPU-s  server ${m.serverCpuPct.toFixed(0)} %, load ${m.loadCpuPct.toFixed(0)} %${m.errors ? `  (${m.errors} errors)` : ""}`,
    );
  } else {
    console.log(
      `${label} ${m.rps.toFixed(0).padStart(8)} req/s  p99 ${(m.p99Ms > 0 ? m.p99Ms.toFixed(2) : "–").padStart(7)} ms  ${m.cpuUsPerReq.toFixed(2).padStart(7)} µs CPU/req  (${m.tool}${m.errors ? `, ${m.errors} errors` : ""})`,
    );
  }
}

/** One server through its section's scenarios (and, on the first run, idle memory). */
async function runServer(section, def, res, run) {
  let server;
  try {
    server = await startServer(def, serverCore, here);
  } catch (e) {
    console.log(`${def.name.padEnd(24)} did not start: ${e.message}`);
    return;
  }
  try {
    if (section.id === "https" && run === 0) {
      console.log(`${def.name.padEnd(24)} negotiates ${await tlsVersionOf(server.port)}`);
    }
    for (const sc of section.scenarios) {
      const m = await measure(section, server, sc);
      if (!res.samples[sc.id]) res.samples[sc.id] = [];
      res.samples[sc.id].push(m);
      printMeasurement(section, def.name, sc, m);
    }
    if (section.idle && run === 0) {
      res.idleBytes = await idleRss(server, { core: loadCore, count: idleConns });
      console.log(
        `${def.name.padEnd(24)} idle    ${(res.idleBytes / 1024).toFixed(2)} KiB per idle keep-alive connection`,
      );
    }
  } finally {
    await server.stop();
  }
}

/** Runs every section's servers and scenarios; returns the medians and the run's metadata. */
async function measureAll() {
  const found = detect();
  let tls = null;
  if (groupsWanted.includes("https")) {
    if (!hasWrk()) console.log("# HTTPS skipped: it needs wrk (apt-get install wrk)");
    else tls = makeSelfSignedCert();
  }
  const removeTls = () => {
    tls?.remove();
    process.exit(130);
  };
  process.once("SIGINT", removeTls);
  const sections = makeSections(found, tls).filter((s) => groupsWanted.includes(s.id));
  console.log(
    `# bench: node ${process.version}, ${os.cpus()[0]?.model ?? "cpu"} x${cores}, runs=${runs}, ${durationS}s each, server on core ${serverCore}, load on core ${loadCore}`,
  );
  const results = new Map(sections.map((s) => [s.id, new Map()]));
  try {
    // Interleave servers within each run so that machine noise hits all of them alike.
    for (let run = 0; run < runs; run++) {
      for (const section of sections) {
        console.log(`## ${section.title}${runs > 1 ? ` (run ${run + 1} of ${runs})` : ""}`);
        const byId = results.get(section.id);
        for (const def of section.servers.filter((s) => !only || only.includes(s.id))) {
          if (!byId.has(def.id)) byId.set(def.id, { name: def.name, samples: {} });
          await runServer(section, def, byId.get(def.id), run);
        }
      }
    }
  } finally {
    process.off("SIGINT", removeTls);
    tls?.remove();
  }
  const keys = [
    "rps",
    "p99Ms",
    "cpuUsPerReq",
    "msgPerS",
    "cpuUsPerMsg",
    "msgPerCpuS",
    "serverCpuPct",
    "loadCpuPct",
  ];
  const tables = sections.map(({ servers, ...section }) => ({
    ...section,
    rows: [...results.get(section.id)].map(([id, r]) => {
      const row = { id, name: r.name, idleBytes: r.idleBytes };
      for (const sc of section.scenarios) {
        const xs = (r.samples[sc.id] ?? []).filter((x) => !x.failed);
        row[sc.id] = Object.fromEntries(keys.map((k) => [k, median(xs.map((x) => x[k]))]));
      }
      return row;
    }),
  }));
  const meta = {
    date: new Date().toISOString().slice(0, 10),
    node: process.version,
    cpu: `${os.cpus()[0]?.model ?? "unknown"} x${cores}`,
    runs,
    durationS,
    idleConns,
    serverCore,
    loadCore,
    tool: hasWrk() ? "wrk (1 thread)" : "autocannon",
  };
  return { tables, meta };
}

const fromFile = args.get("from");
const { tables, meta } = fromFile ? JSON.parse(readFileSync(fromFile, "utf8")) : await measureAll();
if (args.has("json")) writeFileSync(args.get("json"), JSON.stringify({ tables, meta }, null, 1));
const aims = computeAims(tables);
const md = renderMarkdown(tables, aims, meta);
console.log(`\n${md}`);
console.log("# aims of issue 20 (figure, target, verdict):");
for (const line of renderAimsText(aims)) console.log(line);
const outDir = args.get("out");
if (outDir || (!quick && !only && !args.has("groups") && !fromFile)) {
  const docs = outDir ? path.resolve(outDir) : path.join(repoRoot, "docs");
  if (!existsSync(docs)) mkdirSync(docs, { recursive: true });
  const file = path.join(docs, "benchmarks.md");
  const old = existsSync(file) ? readFileSync(file, "utf8") : "";
  const at = old.indexOf(notesMarker);
  const notes = at >= 0 ? old.slice(at) : `${notesMarker}\n`;
  writeFileSync(file, `${md}\n${notes}`);
  writeFileSync(path.join(docs, "benchmarks.svg"), renderSvg(tables, meta));
  console.log(`wrote ${file} and benchmarks.svg beside it`);
}
