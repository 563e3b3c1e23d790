// Bench client child: `node client.mjs <kind> <port> <concurrency> <requests> <maxMs>` — keep-alive
// GETs with one client library; prints { requests, wallMs, cpuUs } as JSON.

import * as http from "node:http";

const [kind, portArg, concArg, countArg, maxMsArg] = process.argv.slice(2);
const port = Number(portArg);
const concurrency = Number(concArg);
const total = Number(countArg);
const maxMs = Number(maxMsArg);
const WARMUP = 3000;
const url = `http://127.0.0.1:${port}/`;

/** Make `one()` (a single GET whose body is read) for the chosen library. */
async function setup() {
  switch (kind) {
    case "t": {
      const { IOLoop } = await import("@t/ioloop");
      const { AsyncHTTPClient } = await import("../dist/index.js");
      const loop = new IOLoop();
      loop.makeCurrent();
      loop.start();
      const client = new AsyncHTTPClient({
        loop,
        maxClients: concurrency,
        maxConnectionsPerHost: concurrency,
      });
      return {
        one: async () => {
          const res = await client.fetch(url);
          if (res.body.length !== 12) throw new Error("bad body");
        },
        close: () => {
          client.close();
          loop.stop();
        },
      };
    }
    case "undici-request": {
      const { Pool } = await import("undici");
      const pool = new Pool(`http://127.0.0.1:${port}`, { connections: concurrency });
      return {
        one: async () => {
          const { statusCode, body } = await pool.request({ path: "/", method: "GET" });
          const b = await body.arrayBuffer();
          if (statusCode !== 200 || b.byteLength !== 12) throw new Error("bad response");
        },
        close: () => pool.close(),
      };
    }
    case "undici-fetch": {
      const { Agent, fetch } = await import("undici");
      const dispatcher = new Agent({ connections: concurrency });
      return {
        one: async () => {
          const res = await fetch(url, { dispatcher });
          const b = await res.arrayBuffer();
          if (res.status !== 200 || b.byteLength !== 12) throw new Error("bad response");
        },
        close: () => dispatcher.close(),
      };
    }
    case "node-http": {
      const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
      return {
        one: () =>
          new Promise((resolve, reject) => {
            http
              .get(url, { agent }, (res) => {
                const parts = [];
                res.on("data", (d) => parts.push(d));
                res.on("end", () => {
                  if (Buffer.concat(parts).length !== 12) reject(new Error("bad body"));
                  else resolve();
                });
              })
              .on("error", reject);
          }),
        close: () => agent.destroy(),
      };
    }
    default:
      throw new Error(`unknown client kind ${kind}`);
  }
}

/** Run `count` requests with `concurrency` workers, stopping early after `limitMs`. */
async function run(one, count, limitMs) {
  let started = 0;
  let done = 0;
  const deadline = performance.now() + limitMs;
  const worker = async () => {
    while (started < count && performance.now() < deadline) {
      started++;
      await one();
      done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done;
}

const { one, close } = await setup();
await run(one, WARMUP, maxMs);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const requests = await run(one, total, maxMs);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
await close();
process.stdout.write(`${JSON.stringify({ requests, wallMs, cpuUs: cpu.user + cpu.system })}\n`);
process.exit(0);
