// bench/index.mjs: crossing costs and dispatch rate of @t/poller-native against the Node equivalents.
//
// Run: pnpm --filter @t/poller-native bench   (after build). T_BENCH_QUICK=1 shortens every run.
// Each figure is the median of RUNS runs; every loop is bounded in count and time; loopback only.
import fs from "node:fs";
import net from "node:net";
import * as p from "../dist/index.js";

const QUICK = process.env.T_BENCH_QUICK === "1";
const RUNS = 3;
const WINDOW_MS = QUICK ? 200 : 1000;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** ns per call of fn, over `iters` calls (after a warm-up). */
function nsPerCall(fn, iters) {
  for (let i = 0; i < Math.min(iters, 20000); i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) fn();
  return Number(process.hrtime.bigint() - t0) / iters;
}

function runs(fn) {
  const out = [];
  for (let i = 0; i < RUNS; i++) out.push(fn());
  return median(out);
}

async function runsAsync(fn) {
  const out = [];
  for (let i = 0; i < RUNS; i++) out.push(await fn());
  return median(out);
}

const rows = [];
function row(name, ours, node, unit, higherIsBetter = false) {
  const ratio = higherIsBetter ? ours / node : node / ours;
  rows.push({ name, ours, node, unit, ratio });
  const fmt = (v) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));
  console.log(
    `${name.padEnd(44)} ours ${fmt(ours).padStart(9)} ${unit.padEnd(9)} node ${
      node === null ? "-".padStart(9) : fmt(node).padStart(9)
    } ${node === null ? "" : `  ${ratio.toFixed(2)}x ${higherIsBetter ? "(ours/node)" : "(node/ours)"}`}`,
  );
}

// --- 1. crossing cost --------------------------------------------------------
{
  const iters = QUICK ? 1_000_000 : 10_000_000;
  const ns = runs(() => nsPerCall(p.noop, iters));
  rows.push({ name: "noop()", ours: ns, node: null, unit: "ns/call" });
  console.log(`${"noop() crossing".padEnd(44)} ours ${ns.toFixed(1).padStart(9)} ns/call`);
}

// --- 2. read() returning EAGAIN vs fs.readSync throwing EAGAIN ----------------
{
  const [r, w] = p.pipe();
  const buf = Buffer.alloc(64);
  const iters = QUICK ? 50_000 : 300_000;
  const ours = runs(() => nsPerCall(() => p.read(r, buf, 0, 64), iters));
  const node = runs(() =>
    nsPerCall(() => {
      try {
        fs.readSync(r, buf, 0, 64, null);
      } catch (e) {
        if (e.code !== "EAGAIN") throw e;
      }
    }, iters),
  );
  row("read() EAGAIN vs fs.readSync (throws)", ours, node, "ns/call");
  p.close(r);
  p.close(w);
}

// --- 3. writev of 4 buffers to a unix socket vs fs.writevSync ------------------
{
  const [a, b] = p.socketpair();
  const parts = [
    Buffer.alloc(16, 1),
    Buffer.alloc(16, 2),
    Buffer.alloc(16, 3),
    Buffer.alloc(16, 4),
  ];
  const sink = Buffer.alloc(1 << 16);
  const iters = QUICK ? 50_000 : 300_000;
  let n = 0;
  const drain = () => {
    if (++n % 256 === 0) while (p.read(b, sink, 0, sink.length) > 0);
  };
  const ours = runs(() =>
    nsPerCall(() => {
      p.writev(a, parts);
      drain();
    }, iters),
  );
  const node = runs(() =>
    nsPerCall(() => {
      fs.writevSync(a, parts);
      drain();
    }, iters),
  );
  row("writev(4 x 16 B) vs fs.writevSync", ours, node, "ns/call");
  p.close(a);
  p.close(b);
}

// --- 4. events per second for N ready descriptors ------------------------------
// Both sides use the same socketpairs; each event reads the byte and writes one
// back from the peer, so every descriptor stays ready for the whole window.
async function oursRate(n, backend) {
  const pairs = Array.from({ length: n }, () => p.socketpair());
  const peerOf = new Map(pairs.map(([x, y]) => [x, y]));
  const one = Buffer.from("x");
  const buf = Buffer.alloc(64);
  let events = 0;
  const poller = new p.Poller(
    (count) => {
      const ev = poller.events;
      for (let i = 0; i < count; i++) {
        const fd = ev[2 * i];
        if (fd === -1) continue;
        p.read(fd, buf, 0, 64);
        p.write(peerOf.get(fd), one, 0, 1);
        events++;
      }
    },
    { backend },
  );
  for (const [x, y] of pairs) {
    poller.add(x, p.READ);
    p.write(y, one, 0, 1);
  }
  poller.start();
  await new Promise((r) => setTimeout(r, 50));
  const e0 = events;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const rate = ((events - e0) * 1000) / (performance.now() - t0);
  poller.close();
  for (const [x, y] of pairs) {
    p.close(x);
    p.close(y);
  }
  return rate;
}

async function nodeRate(n) {
  const pairs = Array.from({ length: n }, () => p.socketpair());
  const sockets = [];
  let events = 0;
  for (const [x, y] of pairs) {
    const rx = new net.Socket({ fd: x, readable: true, writable: true });
    const tx = new net.Socket({ fd: y, readable: true, writable: true });
    rx.on("data", () => {
      events++;
      tx.write("x");
    });
    tx.on("data", () => {});
    sockets.push(rx, tx);
    tx.write("x");
  }
  await new Promise((r) => setTimeout(r, 50));
  const e0 = events;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  const rate = ((events - e0) * 1000) / (performance.now() - t0);
  await Promise.all(sockets.map((s) => new Promise((r) => s.destroy() && s.once("close", r))));
  return rate;
}

for (const n of [1, 100, 1000]) {
  const node = await runsAsync(() => nodeRate(n));
  for (const backend of p.backends) {
    const ours = await runsAsync(() => oursRate(n, backend));
    row(`events/s, N=${n} ready fds (${backend})`, ours, node, "ev/s", true);
  }
}

console.log(
  `\nnode ${process.version}, ${process.platform}-${process.arch}, median of ${RUNS} runs`,
);
