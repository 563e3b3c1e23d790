// Benchmarks of @t/ioloop against the Node.js equivalents, side by side in the same run.
// Run: pnpm --filter @t/ioloop bench   (wrap in `flock /tmp/bench.lock ...` on shared machines)
// Each case runs ROUNDS times and the median is printed; every loop is bounded in count and time.
import net from "node:net";
import { close as closeFd, pipe, read, write } from "@t/poller-native";
import { IOLoop, READ } from "../dist/index.js";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(1)} k`);
const results = [];

function report(name, ours, node, unit) {
  const ratio = node ? ours / node : null;
  results.push({ name, ours, node, ratio, unit });
  const nodePart = node ? `   node ${fmt(node)}${unit}   ratio ${ratio.toFixed(2)}x` : "";
  console.log(`${name.padEnd(44)} ours ${fmt(ours)}${unit}${nodePart}`);
}

async function rounds(fn) {
  const xs = [];
  for (let i = 0; i < ROUNDS; i++) xs.push(await fn());
  return median(xs);
}

/** Runs both sides ROUNDS times, alternating which goes first, and returns both medians. */
async function pair(oursFn, nodeFn) {
  const ours = [];
  const node = [];
  for (let i = 0; i < ROUNDS; i++) {
    if (i % 2 === 0) {
      ours.push(await oursFn());
      node.push(await nodeFn());
    } else {
      node.push(await nodeFn());
      ours.push(await oursFn());
    }
  }
  return [median(ours), median(node)];
}

// ---- callbacks ---------------------------------------------------------------------------

const BATCH = 1_000_000;

async function oursCallbackBatch() {
  const loop = new IOLoop();
  let count = 0;
  const inc = () => {
    count++;
  };
  const t0 = performance.now();
  await loop.runSync(
    () =>
      new Promise((resolve) => {
        for (let i = 0; i < BATCH; i++) loop.addCallback(inc);
        loop.addCallback(resolve);
      }),
  );
  const ms = performance.now() - t0;
  loop.close();
  if (count !== BATCH) throw new Error("lost callbacks");
  return (BATCH / ms) * 1000;
}

function nodeImmediateBatch() {
  return new Promise((resolve) => {
    let count = 0;
    const inc = () => {
      count++;
    };
    const t0 = performance.now();
    for (let i = 0; i < BATCH; i++) setImmediate(inc);
    setImmediate(() => {
      const ms = performance.now() - t0;
      if (count !== BATCH) throw new Error("lost immediates");
      resolve((BATCH / ms) * 1000);
    });
  });
}

const CHAIN = 200_000;

async function oursCallbackChain() {
  const loop = new IOLoop();
  const t0 = performance.now();
  await loop.runSync(
    () =>
      new Promise((resolve) => {
        let left = CHAIN;
        const step = () => {
          if (--left === 0) resolve();
          else loop.addCallback(step);
        };
        loop.addCallback(step);
      }),
  );
  const ms = performance.now() - t0;
  loop.close();
  return (CHAIN / ms) * 1000;
}

function nodeImmediateChain() {
  return new Promise((resolve) => {
    let left = CHAIN;
    const t0 = performance.now();
    const step = () => {
      if (--left === 0) resolve((CHAIN / (performance.now() - t0)) * 1000);
      else setImmediate(step);
    };
    setImmediate(step);
  });
}

// ---- timers ------------------------------------------------------------------------------

const TIMERS = 1_000_000;
const noop = () => {};

async function oursTimers() {
  const loop = new IOLoop();
  const handles = new Array(TIMERS);
  const opsPerSec = await loop.runSync(() => {
    const t0 = performance.now();
    for (let i = 0; i < TIMERS; i++) handles[i] = loop.callLater(10_000 + (i & 1023), noop);
    for (let i = 0; i < TIMERS; i++) loop.removeTimeout(handles[i]);
    return (TIMERS / (performance.now() - t0)) * 1000;
  });
  loop.close();
  return opsPerSec;
}

function nodeTimers() {
  const handles = new Array(TIMERS);
  const t0 = performance.now();
  for (let i = 0; i < TIMERS; i++) handles[i] = setTimeout(noop, 10_000 + (i & 1023));
  for (let i = 0; i < TIMERS; i++) clearTimeout(handles[i]);
  return (TIMERS / (performance.now() - t0)) * 1000;
}

async function oursTimersInterleaved() {
  const loop = new IOLoop();
  const opsPerSec = await loop.runSync(() => {
    const t0 = performance.now();
    for (let i = 0; i < TIMERS; i++) loop.removeTimeout(loop.callLater(10_000 + (i & 1023), noop));
    return (TIMERS / (performance.now() - t0)) * 1000;
  });
  loop.close();
  return opsPerSec;
}

function nodeTimersInterleaved() {
  const t0 = performance.now();
  for (let i = 0; i < TIMERS; i++) clearTimeout(setTimeout(noop, 10_000 + (i & 1023)));
  return (TIMERS / (performance.now() - t0)) * 1000;
}

// ---- descriptor dispatch -----------------------------------------------------------------

const PIPES = 1000;
const DISPATCH_MS = 1000;

function makePipes() {
  const pipes = [];
  for (let i = 0; i < PIPES; i++) {
    const [r, w] = pipe();
    write(w, Buffer.from("x"), 0, 1);
    pipes.push([r, w]);
  }
  return pipes;
}

/** Handler reads the byte and writes one back, so every pipe stays ready: 1 read + 1 write per call. */
async function oursDispatchEcho() {
  const pipes = makePipes();
  const loop = new IOLoop();
  const one = Buffer.alloc(1);
  const writeEnd = new Int32Array(65536);
  let calls = 0;
  const handler = (fd) => {
    calls++;
    read(fd, one, 0, 1);
    write(writeEnd[fd], one, 0, 1);
  };
  for (const [r, w] of pipes) {
    writeEnd[r] = w;
    loop.addHandler(r, handler, READ);
  }
  const t0 = performance.now();
  await loop.runSync(() => new Promise((resolve) => loop.callLater(DISPATCH_MS, resolve)));
  const rate = (calls / (performance.now() - t0)) * 1000;
  loop.close();
  for (const [r, w] of pipes) {
    closeFd(r);
    closeFd(w);
  }
  return rate;
}

/** Handler does nothing: the byte stays, the pipe stays ready (level-triggered dispatch only). */
async function oursDispatchOnly() {
  const pipes = makePipes();
  const loop = new IOLoop();
  let calls = 0;
  const handler = () => {
    calls++;
  };
  for (const [r] of pipes) loop.addHandler(r, handler, READ);
  const t0 = performance.now();
  await loop.runSync(() => new Promise((resolve) => loop.callLater(DISPATCH_MS, resolve)));
  const rate = (calls / (performance.now() - t0)) * 1000;
  loop.close();
  for (const [r, w] of pipes) {
    closeFd(r);
    closeFd(w);
  }
  return rate;
}

/** The same pipes wrapped in net.Socket: 'data' handler writes a byte back to the pipe. */
async function nodeDispatchEcho() {
  const pipes = makePipes();
  const sockets = [];
  let calls = 0;
  const one = Buffer.from("x");
  for (const [r, w] of pipes) {
    const writer = new net.Socket({ fd: w, readable: false, writable: true });
    const reader = new net.Socket({ fd: r, readable: true, writable: false });
    reader.on("data", (chunk) => {
      calls += chunk.length;
      for (let i = 0; i < chunk.length; i++) writer.write(one);
    });
    sockets.push(reader, writer);
  }
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, DISPATCH_MS));
  const rate = (calls / (performance.now() - t0)) * 1000;
  for (const s of sockets) s.destroy(); // closes the fds
  await new Promise((resolve) => setTimeout(resolve, 50));
  return rate;
}

// ---- main --------------------------------------------------------------------------------

console.log(
  `@t/ioloop bench: node ${process.version}, ${process.platform}-${process.arch}, median of ${ROUNDS}`,
);
const CASES = [
  ["callbacks, 1M queued then drained", oursCallbackBatch, nodeImmediateBatch],
  ["callbacks, 200k self-re-adding chain", oursCallbackChain, nodeImmediateChain],
  ["timers, 1M added then 1M cancelled", oursTimers, nodeTimers],
  ["timers, 1M add+cancel interleaved", oursTimersInterleaved, nodeTimersInterleaved],
  ["1000 ready pipes, read+write per event", oursDispatchEcho, nodeDispatchEcho],
];
for (const [name, oursFn, nodeFn] of CASES) {
  const [ours, node] = await pair(oursFn, nodeFn);
  report(`${name} /s`, ours, node, "/s");
}
report("1000 ready pipes, dispatch only /s", await rounds(oursDispatchOnly), 0, "/s");
if (process.env.BENCH_JSON) console.log(JSON.stringify(results));
