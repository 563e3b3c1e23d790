// HTTP(S) scenarios against a running server: throughput, p99 and server CPU per request; RSS
// per idle keep-alive connection; the TLS version a server negotiates.

import { spawn } from "node:child_process";
import path from "node:path";
import tls from "node:tls";
import { fileURLToPath } from "node:url";
import { runLoad } from "./load.mjs";
import { cpuSecondsOfTree, rssBytesOfTree } from "./procstat.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * One load scenario ({ connections, pipeline, https }) after a 1 s warm-up: returns
 * { rps, p99Ms, cpuUsPerReq, errors, tool }.
 */
export async function measureHttp(server, scenario, { core, durationS }) {
  const load = {
    port: server.port,
    connections: scenario.connections,
    pipeline: scenario.pipeline,
    https: scenario.https,
    core,
  };
  await runLoad({ ...load, durationS: 1 });
  const cpu0 = cpuSecondsOfTree(server.pid);
  const r = await runLoad({ ...load, durationS });
  const cpu1 = cpuSecondsOfTree(server.pid);
  return {
    rps: r.rps,
    p99Ms: r.p99Ms,
    cpuUsPerReq: r.requests > 0 ? ((cpu1 - cpu0) * 1e6) / r.requests : Number.NaN,
    errors: r.errors,
    tool: r.tool,
  };
}

/** RSS growth per idle keep-alive connection: open `count`, each served once, then idle. */
export async function idleRss(server, { core, count }) {
  const before = rssBytesOfTree(server.pid);
  const child = spawn(
    "taskset",
    [
      "-c",
      core,
      process.execPath,
      path.join(here, "idle-connections.mjs"),
      String(server.port),
      String(count),
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
  if (child.exitCode === null) await new Promise((r) => child.once("exit", r));
  if (opened <= 0) return Number.NaN;
  return (after - before) / opened;
}

/** The TLS version (e.g. "TLSv1.3") 127.0.0.1:port negotiates with a default Node client. */
export function tlsVersionOf(port) {
  return new Promise((resolve) => {
    const s = tls.connect({ port, host: "127.0.0.1", rejectUnauthorized: false });
    const t = setTimeout(() => {
      s.destroy();
      resolve("no handshake within 10 s");
    }, 10_000);
    s.once("secureConnect", () => {
      clearTimeout(t);
      resolve(s.getProtocol());
      s.destroy();
    });
    s.once("error", (e) => {
      clearTimeout(t);
      resolve(`error: ${e.message}`);
    });
  });
}
