// WebSocket echo scenario: runs ws-client.mjs pinned to the load core against a server and
// reads the server's CPU over exactly the client's measured window.

import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { cpuSecondsOfTree } from "./procstat.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Echo load on 127.0.0.1:port from `connections` connections with `window` messages of
 * `sizeBytes` in flight on each, for durationS seconds after warmupS (at most maxMessages).
 * Returns { msgPerS, cpuUsPerMsg, msgPerCpuS, messages, errors }.
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
      resolve({
        msgPerS: r.messages / r.seconds,
        cpuUsPerMsg: (cpuS * 1e6) / r.messages,
        msgPerCpuS: r.messages / cpuS,
        messages: r.messages,
        errors: r.errors,
      });
    });
  });
}
