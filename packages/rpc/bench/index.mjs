// RPC calls per second through @t/rpc and through the same protocol (same framing + msgpack,
// same batching) on node:net, side by side: client here, server in a child process, loopback.
// Run under `flock /tmp/bench.lock pnpm --filter @t/rpc bench`. Each cell is bounded in time
// and in calls; every cell runs ROUNDS times and the median is printed.

import { spawn } from "node:child_process";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { IOLoop } from "@t/ioloop";
import { FrameReader, FrameWriter, REQUEST, RESPONSE, RpcClient } from "@t/rpc";

const ROUNDS = 2;
const CELL_MS = Number(process.env.BENCH_CELL_MS ?? 2000);
const MAX_CALLS = 5_000_000;
const MAX_FRAME = 8 * 1024 * 1024;

const SCENARIOS = [
  { name: "1 connection, 1 call in flight", conns: 1, depth: 1 },
  { name: "1 connection, 100 calls in flight", conns: 1, depth: 100 },
  { name: "50 connections, 10 in flight each", conns: 50, depth: 10 },
];

function startServer(kind) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL("server.mjs", import.meta.url)), kind],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/^(\d+)\n/);
      if (m) resolve({ port: Number(m[1]), stop: () => child.kill("SIGKILL") });
    });
    child.on("exit", (code) => reject(new Error(`bench server ${kind} exited (${code})`)));
  });
}

/** A minimal client of the same protocol on node:net: call(method, args) -> Promise. */
function netClient(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: "127.0.0.1", noDelay: true });
    const writer = new FrameWriter(MAX_FRAME);
    const pendingCalls = new Map();
    const req = [REQUEST, 0, "", null];
    let nextId = 1;
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      const batch = writer.take();
      if (batch === null) return;
      socket.write(batch);
      writer.release(true);
    };
    const reader = new FrameReader(MAX_FRAME, (m) => {
      if (m[0] !== RESPONSE) return;
      const p = pendingCalls.get(m[1]);
      pendingCalls.delete(m[1]);
      if (m[2] !== null) p.reject(new Error(m[2].message));
      else p.resolve(m[3]);
    });
    let pending = null;
    socket.on("data", (chunk) => {
      const buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
      const used = reader.consume(buf, 0, buf.length);
      pending = used === buf.length ? null : buf.subarray(used);
    });
    socket.once("error", reject);
    socket.once("connect", () =>
      resolve({
        call(method, args) {
          const id = nextId++;
          req[1] = id;
          req[2] = method;
          req[3] = args;
          writer.append(req);
          if (!scheduled) {
            scheduled = true;
            queueMicrotask(flush);
          }
          return new Promise((res, rej) => pendingCalls.set(id, { resolve: res, reject: rej }));
        },
        close: () => socket.destroy(),
      }),
    );
  });
}

/** Keep `depth` calls in flight on each client until the time or call budget is spent. */
async function drive(clients, depth, call) {
  let calls = 0;
  const deadline = performance.now() + CELL_MS;
  const t0 = performance.now();
  async function lane(client) {
    while (calls < MAX_CALLS && performance.now() < deadline) {
      const n = ++calls;
      const r = await call(client, n);
      if (r !== n + 1) throw new Error(`wrong result ${r} for ${n}`);
    }
  }
  const lanes = [];
  for (const c of clients) for (let i = 0; i < depth; i++) lanes.push(lane(c));
  await Promise.all(lanes);
  return calls / ((performance.now() - t0) / 1000);
}

async function cellT(port, sc) {
  const loop = new IOLoop();
  loop.makeCurrent();
  const rate = await loop.runSync(async () => {
    const clients = [];
    for (let i = 0; i < sc.conns; i++) {
      const c = new RpcClient({ reconnect: false });
      await c.connect("127.0.0.1", port);
      clients.push(c);
    }
    const r = await drive(clients, sc.depth, (c, n) => c.apply("sum", [n, 1]));
    for (const c of clients) c.close();
    return r;
  });
  loop.close();
  IOLoop.clearCurrent();
  return rate;
}

async function cellNet(port, sc) {
  const clients = [];
  for (let i = 0; i < sc.conns; i++) clients.push(await netClient(port));
  const r = await drive(clients, sc.depth, (c, n) => c.call("sum", [n, 1]));
  for (const c of clients) c.close();
  return r;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const tServer = await startServer("t");
const netServer = await startServer("net");
const results = SCENARIOS.map(() => ({ t: [], net: [] }));
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, sc] of SCENARIOS.entries()) {
      results[i].t.push(await cellT(tServer.port, sc));
      results[i].net.push(await cellNet(netServer.port, sc));
    }
  }
} finally {
  tServer.stop();
  netServer.stop();
}

console.log(
  `@t/rpc vs the same protocol on node:net — node ${process.version}, ${ROUNDS} rounds, median calls/s`,
);
console.log("| scenario | @t/rpc | node:net | ratio |");
console.log("| --- | ---: | ---: | ---: |");
for (const [i, sc] of SCENARIOS.entries()) {
  const t = median(results[i].t);
  const n = median(results[i].net);
  console.log(`| ${sc.name} | ${Math.round(t)} | ${Math.round(n)} | ${(t / n).toFixed(2)} |`);
}
