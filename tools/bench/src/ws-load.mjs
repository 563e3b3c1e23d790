// WebSocket echo scenario: runs ws-client.mjs pinned to the load core against a server and
// reads the server's CPU over exactly the client's measured window.
//
// Messages per server CPU-second is a capacity figure only while the server, not the load
// generator, sets the pace: a server that batches its reads and writes does less work per
// message the more messages wait for it. So both cores' shares are returned, and a run whose
// load generator used ≥ 90 % of its core while the server used < 90 % of its own (load-bound)
// is flagged on stdout.

import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cpuSecondsOfTree } from "./procstat.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Echo load on 127.0.0.1:port from `connections` connections with `window` messages of
 * `sizeBytes` in flight on each, for durationS seconds after warmupS (at most maxMessages).
 * Returns { msgPerS, cpuUsPerMsg, msgPerCpuS, messages, errors, serverCpuPct, loadCpuPct }
 * (the server's and the load generator's CPU as % of one core over the measured window).
 */
export function runWsLoad({
  port,
  pid,
  core,
  connections,
  window,
  sizeBytes,
  binary,
  warmupS,
  durationS,
  maxMessages,
}) {
  const child = spawn(
    "taskset",
    [
      "-c",
      core,
      process.execPath,
      path.join(here, "ws-client.mjs"),
      String(port),
      String(connections),
      String(window),
      String(sizeBytes),
      binary ? "1" : "0",
      String(warmupS * 1000),
      String(durationS * 1000),
      String(maxMessages),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  let err = "";
  let cpu0 = Number.NaN;
  let cpu1 = Number.NaN;
  child.stderr.on("data", (d) => {
    err += d;
  });
  child.stdout.on("data", (d) => {
    out += d;
    if (Number.isNaN(cpu0) && out.includes("start\n")) cpu0 = cpuSecondsOfTree(pid);
    if (Number.isNaN(cpu1) && /\{.*\}\n/.test(out)) cpu1 = cpuSecondsOfTree(pid);
  });
  return new Promise((resolve, reject) => {
    const limit = setTimeout(() => child.kill("SIGKILL"), (warmupS + durationS + 40) * 1000);
    child.once("exit", (code) => {
      clearTimeout(limit);
      const line = out.split("\n").find((l) => l.startsWith("{"));
      if (code !== 0 || !line) {
        reject(new Error(`ws-client exited ${code}: ${err.trim() || out.trim()}`));
        return;
      }
      const r = JSON.parse(line);
      const cpuS = cpu1 - cpu0;
      const serverCpuPct = (cpuS / r.seconds) * 100;
      const loadCpuPct = (r.cpuS / r.seconds) * 100;
      if (loadCpuPct >= 90 && serverCpuPct < 90) {
        console.log(
          `  (load-bound: the load generator used ${loadCpuPct.toFixed(0)} % of its core, the server ${serverCpuPct.toFixed(0)} %; its CPU per message is not at capacity)`,
        );
      }
      resolve({
        msgPerS: r.messages / r.seconds,
        cpuUsPerMsg: (cpuS * 1e6) / r.messages,
        msgPerCpuS: r.messages / cpuS,
        messages: r.messages,
        errors: r.errors,
        serverCpuPct,
        loadCpuPct,
      });
    });
  });
}
