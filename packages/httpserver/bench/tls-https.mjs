// HTTPS hello bench: @t/httpserver vs node:https, server CPU µs per request under wrk (TLS 1.3).
// `node bench/tls-https.mjs [seconds=4] [rounds=2]` (takes /tmp/bench.lock itself); one server
// at a time on 127.0.0.1, wrk -t1 -c50 keep-alive, CPU from /proc/<pid>/stat (user+sys).
// `KINDS=t,node` picks the servers; kind "base" is the build at BASE_DIST (default
// /tmp/base/packages/httpserver/dist/index.js: this morning's, for a before/after).
// `node bench/tls-https.mjs server t|base|node` is the server child (prints its port).
// `node bench/tls-https.mjs instructions [extra=4000]`: the deterministic figure instead —
// the server under valgrind's callgrind (V8 --predictable), instructions of user space (JS,
// OpenSSL, libuv) per request, from two runs that differ only in request count (10 keep-alive
// TLS 1.3 connections, the client in this process, outside valgrind).

import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";

const fixture = (name) =>
  readFileSync(new URL(`../../../tools/testing/fixtures/${name}`, import.meta.url));
const KEY = fixture("server-key.pem");
const CERT = fixture("server-cert.pem");
const BODY = Buffer.from("Hello, world");

if (process.argv[2] === "server") {
  const kind = process.argv[3];
  process.on("SIGTERM", () => process.exit(0));
  if (kind === "node") {
    const https = await import("node:https");
    const server = https.createServer(
      { key: KEY, cert: CERT, minVersion: "TLSv1.3" },
      (_q, res) => {
        res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": BODY.length });
        res.end(BODY);
      },
    );
    server.keepAliveTimeout = 60_000;
    server.listen(0, "127.0.0.1", () => process.stdout.write(`${server.address().port}\n`));
  } else {
    const { IOLoop } = await import(
      kind === "base" ? "/tmp/base/packages/ioloop/dist/index.js" : "@t/ioloop"
    );
    const dist =
      kind === "base"
        ? (process.env.BASE_DIST ?? "/tmp/base/packages/httpserver/dist/index.js")
        : new URL("../dist/index.js", import.meta.url).href;
    const { HTTPHeaders, HTTPServer } = await import(dist);
    const loop = new IOLoop();
    loop.makeCurrent();
    const server = new HTTPServer(
      (req) => {
        req.connection.writeHeaders(
          { code: 200, reason: "OK" },
          new HTTPHeaders({ "Content-Type": "text/plain" }),
          BODY,
        );
        req.connection.finish();
      },
      { ssl: { key: KEY, cert: CERT, minVersion: "TLSv1.3" } },
    );
    const running = loop.start();
    await server.listen(0, "127.0.0.1");
    process.stdout.write(`${server.addresses()[0].port}\n`);
    await running;
  }
} else if (process.argv[2] === "instructions") {
  const tls = await import("node:tls");
  const extra = Math.min(Number(process.argv[3] ?? 4000), 20_000);
  const kinds = (process.env.KINDS ?? "t,node").split(",");
  const CONNS = 10;
  const REQ = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  /** `total` requests over CONNS keep-alive connections, one outstanding on each. */
  const load = (port, total) => {
    let started = 0;
    const one = () =>
      new Promise((resolve, reject) => {
        const s = tls.connect({ port, host: "127.0.0.1", rejectUnauthorized: false }, () => {
          if (started < total) {
            started++;
            s.write(REQ);
          } else s.end();
        });
        let text = "";
        s.on("data", (d) => {
          text += d.toString("latin1");
          while (text.includes("Hello, world")) {
            text = text.slice(text.indexOf("Hello, world") + 12);
            if (started < total) {
              started++;
              s.write(REQ);
            } else {
              s.end();
            }
          }
        });
        s.on("close", resolve);
        s.on("error", reject);
      });
    return Promise.all(Array.from({ length: CONNS }, one));
  };
  const collected = async (kind, total) => {
    const child = spawn(
      "valgrind",
      [
        "--tool=callgrind",
        "--callgrind-out-file=/dev/null",
        process.execPath,
        "--predictable",
        new URL(import.meta.url).pathname,
        "server",
        kind,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let err = "";
    child.stderr.on("data", (d) => {
      err += d;
    });
    const port = await new Promise((resolve, reject) => {
      child.stdout.once("data", (d) => resolve(Number(String(d).trim())));
      child.once("exit", (code) => reject(new Error(`${kind} server exited (${code}): ${err}`)));
    });
    await load(port, total);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
    return Number(/Collected : (\d+)/.exec(err)?.[1]);
  };
  for (const kind of kinds) {
    const a = await collected(kind, 1000);
    const b = await collected(kind, 1000 + extra);
    console.log(`${kind.padEnd(5)} ${Math.round((b - a) / extra)} instructions/request`);
  }
} else {
  if (process.env.BENCH_LOCKED !== "1") {
    // Re-run under the machine's bench lock (one bench at a time on the shared cores).
    const args = ["/tmp/bench.lock", process.execPath, ...process.argv.slice(1)];
    execFileSync("flock", args, { stdio: "inherit", env: { ...process.env, BENCH_LOCKED: "1" } });
    process.exit(0);
  }
  const seconds = Math.min(Number(process.argv[2] ?? 4), 30);
  const rounds = Math.min(Number(process.argv[3] ?? 2), 5);
  const kinds = (process.env.KINDS ?? "t,node").split(",");
  const ticks = 100; // USER_HZ

  const cpuMs = (pid) => {
    const f = readFileSync(`/proc/${pid}/stat`, "latin1");
    const rest = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / ticks;
  };

  const runOne = async (kind) => {
    const child = spawn(process.execPath, [new URL(import.meta.url).pathname, "server", kind], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const port = await new Promise((resolve, reject) => {
      child.stdout.once("data", (d) => resolve(Number(String(d).trim())));
      child.once("exit", (code) => reject(new Error(`${kind} server exited (${code})`)));
    });
    const url = `https://127.0.0.1:${port}/`;
    // Warm-up (JIT, session setup), then the measured run.
    execFileSync("wrk", ["-t1", "-c50", "-d1s", url], { stdio: "ignore" });
    const before = cpuMs(child.pid);
    const out = execFileSync("wrk", ["-t1", "-c50", `-d${seconds}s`, url], { encoding: "utf8" });
    const cpu = cpuMs(child.pid) - before;
    child.kill("SIGTERM");
    const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
    const errors = /Non-2xx|Socket errors/.exec(out)
      ? out
          .split("\n")
          .filter((l) => /errors|Non-2xx/.test(l))
          .join("; ")
      : "";
    return {
      kind,
      requests,
      rps: Math.round(requests / seconds),
      cpuMs: cpu,
      usPerReq: (cpu * 1000) / requests,
      errors,
    };
  };

  for (let r = 1; r <= rounds; r++) {
    const row = [];
    for (const kind of kinds) row.push(await runOne(kind));
    for (const x of row) {
      console.log(
        `round ${r} ${x.kind.padEnd(5)} ${String(x.rps).padStart(7)} req/s  cpu ${x.cpuMs.toFixed(0).padStart(5)} ms  ${x.usPerReq.toFixed(1)} µs/req ${x.errors}`,
      );
    }
    const t = row.find((x) => x.kind === "t");
    const n = row.find((x) => x.kind === "node");
    if (t && n)
      console.log(`round ${r} t/node CPU per request: ${(t.usPerReq / n.usPerReq).toFixed(2)}`);
  }
}
