// HTTP load generation: wrk (one thread, pinned) when installed, else autocannon in a child
// process (plain HTTP only: HTTPS needs wrk).

import { execFileSync, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
function findWrk() {
  try {
    return execFileSync("sh", ["-c", "command -v wrk"], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}
const wrkPath = findWrk();

/** True when wrk is installed (else only plain HTTP runs, on autocannon). */
export const hasWrk = () => wrkPath !== null;

function run(cmd, args, env, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    const t = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(t);
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} exited ${code}: ${err || out}`));
    });
  });
}

function parseWrkLatency(text, label) {
  const m = text.match(new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)\\s*$`, "m"));
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === "us" ? v / 1000 : m[2] === "s" ? v * 1000 : v;
}

/**
 * Drive 127.0.0.1:port for durationS seconds with `connections` keep-alive connections,
 * `pipeline` requests in flight per connection, over TLS when `https`. Returns
 * { rps, requests, p99Ms, errors, tool }.
 */
export async function runLoad({ port, connections, pipeline, durationS, core, https = false }) {
  const url = `${https ? "https" : "http"}://127.0.0.1:${port}/`;
  if (https && !wrkPath) throw new Error("HTTPS load needs wrk: apt-get install wrk");
  const timeoutMs = (durationS + 30) * 1000;
  if (wrkPath) {
    const args = [
      "-c",
      core,
      wrkPath,
      "-t1",
      `-c${connections}`,
      `-d${durationS}s`,
      "--latency",
      "--timeout",
      "10s",
    ];
    if (pipeline > 1) args.push("-s", path.join(here, "pipeline.lua"));
    args.push(url);
    const out = await run("taskset", args, { T_PIPELINE: String(pipeline) }, timeoutMs);
    const requests = Number(out.match(/(\d+) requests in/)?.[1] ?? Number.NaN);
    const rps = Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1] ?? Number.NaN);
    const errs = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
    const non2xx = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
    const errors = (errs ? errs.slice(1).reduce((a, b) => a + Number(b), 0) : 0) + non2xx;
    return { rps, requests, p99Ms: parseWrkLatency(out, "99%"), errors, tool: "wrk" };
  }
  const out = await run(
    "taskset",
    [
      "-c",
      core,
      process.execPath,
      path.join(here, "autocannon-run.mjs"),
      url,
      String(connections),
      String(pipeline),
      String(durationS),
    ],
    {},
    timeoutMs,
  );
  const r = JSON.parse(out);
  return {
    rps: r.requests.average,
    requests: r.requests.total,
    p99Ms: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
    tool: "autocannon",
  };
}
