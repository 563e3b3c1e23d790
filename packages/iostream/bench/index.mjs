// Benchmark: @t/iostream vs node:net on loopback — bulk throughput and ping-pong round trips.
// Each workload runs ours and Node's side by side in this process, twice; medians are printed.
// Bounded: fixed byte and round-trip counts, and a 60 s cap per run.

import net from "node:net";
import { IOLoop } from "@t/ioloop";
import { IOStream } from "@t/iostream";
import * as pn from "@t/poller-native";

const QUICK = process.env.T_BENCH_QUICK === "1";
const BULK_BYTES = (QUICK ? 64 : 512) * 1024 * 1024;
const WRITE_SIZE = 64 * 1024;
const ROUND_TRIPS = QUICK ? 5_000 : 50_000;
const RUNS = 2;
const CAP_MS = 60_000;

function capped(p, what) {
  let t;
  return Promise.race([
    p,
    new Promise((_, rej) => {
      t = setTimeout(() => rej(new Error(`${what} exceeded ${CAP_MS} ms`)), CAP_MS);
    }),
  ]).finally(() => clearTimeout(t));
}

async function tPair(loop) {
  const lfd = pn.socket(4);
  pn.setsockopt(lfd, pn.constants.SOL_SOCKET, pn.constants.SO_REUSEADDR, 1);
  pn.bind(lfd, "127.0.0.1", 0);
  pn.listen(lfd, 16);
  const { port } = pn.getsockname(lfd);
  const client = new IOStream(pn.socket(4), { loop });
  await client.connect("127.0.0.1", port);
  let fd = -1;
  for (let i = 0; i < 1000 && fd < 0; i++) {
    fd = pn.accept(lfd);
    if (fd < 0) await new Promise((r) => setTimeout(r, 1));
  }
  pn.close(lfd);
  const server = new IOStream(fd, { loop });
  server.setNoDelay(true);
  client.setNoDelay(true);
  return [server, client];
}

function netPair() {
  return new Promise((resolve) => {
    const srv = net.createServer({ noDelay: true }, (s) => {
      srv.close();
      resolve([s, c]);
    });
    let c;
    srv.listen(0, "127.0.0.1", () => {
      c = net.connect({ port: srv.address().port, host: "127.0.0.1", noDelay: true });
    });
  });
}

async function bulkOurs() {
  const loop = new IOLoop();
  const done = loop.start();
  const [server, client] = await tPair(loop);
  const block = Buffer.alloc(WRITE_SIZE, 1);
  const t0 = performance.now();
  const writer = (async () => {
    for (let sent = 0; sent < BULK_BYTES; sent += WRITE_SIZE) await client.write(block);
  })();
  let got = 0;
  while (got < BULK_BYTES) got += (await server.readBytes(256 * 1024, { partial: true })).length;
  await writer;
  const ms = performance.now() - t0;
  server.close();
  client.close();
  loop.stop();
  await done;
  loop.close();
  return BULK_BYTES / 1024 / 1024 / (ms / 1000);
}

async function bulkNet() {
  const [server, client] = await netPair();
  const block = Buffer.alloc(WRITE_SIZE, 1);
  const t0 = performance.now();
  let got = 0;
  const received = new Promise((resolve) => {
    server.on("data", (d) => {
      got += d.length;
      if (got >= BULK_BYTES) resolve();
    });
  });
  (async () => {
    for (let sent = 0; sent < BULK_BYTES; sent += WRITE_SIZE) {
      if (!client.write(block)) await new Promise((r) => client.once("drain", r));
    }
  })();
  await received;
  const ms = performance.now() - t0;
  server.destroy();
  client.destroy();
  return BULK_BYTES / 1024 / 1024 / (ms / 1000);
}

/**
 * Ping-pong through @t/iostream. `loopOptions` (e.g. `{ readAheadBytes: 0 }`: the loop's
 * read-ahead off) go to the IOLoop; `consumer` makes the echo side a data consumer (consumer
 * mode, as the protocol connections use) instead of a chain of `readUntil` Promises.
 */
async function pingOurs(loopOptions = {}, consumer = false) {
  const loop = new IOLoop(loopOptions);
  const done = loop.start();
  const [server, client] = await tPair(loop);
  let echo;
  if (consumer) {
    echo = Promise.resolve();
    server.setDataConsumer((buf, start, end) => {
      // Echo whole lines; leave a partial one buffered.
      const nl = buf.lastIndexOf(10, end - 1);
      if (nl < start) return 0;
      server.send(Buffer.from(buf.subarray(start, nl + 1)));
      return nl + 1 - start;
    });
  } else {
    echo = (async () => {
      for (let i = 0; i < ROUND_TRIPS; i++) server.write(await server.readUntil("\n"));
    })();
  }
  const msg = Buffer.from("ping 0123456789abcdef\n");
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < ROUND_TRIPS; i++) {
    client.write(msg);
    await client.readUntil("\n");
  }
  const us = ((performance.now() - t0) * 1000) / ROUND_TRIPS;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / ROUND_TRIPS;
  await echo;
  server.close();
  client.close();
  loop.stop();
  await done;
  loop.close();
  return { us, cpu };
}

async function pingNet() {
  const [server, client] = await netPair();
  // Line framing on both sides, as readUntil does.
  let sbuf = "";
  server.setEncoding("latin1");
  server.on("data", (d) => {
    sbuf += d;
    let i = sbuf.indexOf("\n");
    while (i !== -1) {
      server.write(sbuf.slice(0, i + 1), "latin1");
      sbuf = sbuf.slice(i + 1);
      i = sbuf.indexOf("\n");
    }
  });
  const msg = Buffer.from("ping 0123456789abcdef\n");
  let cbuf = "";
  let wake = null;
  client.setEncoding("latin1");
  client.on("data", (d) => {
    cbuf += d;
    if (cbuf.includes("\n") && wake) {
      const w = wake;
      wake = null;
      w();
    }
  });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < ROUND_TRIPS; i++) {
    client.write(msg);
    if (!cbuf.includes("\n")) await new Promise((r) => (wake = r));
    cbuf = cbuf.slice(cbuf.indexOf("\n") + 1);
  }
  const us = ((performance.now() - t0) * 1000) / ROUND_TRIPS;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / ROUND_TRIPS;
  server.destroy();
  client.destroy();
  return { us, cpu };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/**
 * Runs both sides RUNS times, alternating, and prints the medians. A result is a number, or
 * `{ us, cpu }` (wall µs and process CPU µs per round trip: CPU time is what a loaded machine
 * disturbs least, since both ends run in this process).
 */
async function compare(name, unit, ours, node, higherIsBetter) {
  const a = [];
  const b = [];
  for (let i = 0; i < RUNS; i++) {
    a.push(await capped(ours(), `${name} (@t)`));
    b.push(await capped(node(), `${name} (net)`));
  }
  const wall = (r) => (typeof r === "number" ? r : r.us);
  const ma = median(a.map(wall));
  const mb = median(b.map(wall));
  const ratio = higherIsBetter ? ma / mb : mb / ma;
  let cpu = "";
  if (typeof a[0] === "object") {
    const ca = median(a.map((r) => r.cpu));
    const cb = median(b.map((r) => r.cpu));
    cpu = `   CPU @t ${ca.toFixed(1)} net ${cb.toFixed(1)} µs/rt (${(cb / ca).toFixed(2)}x)`;
  }
  console.log(
    `${name.padEnd(34)} @t ${ma.toFixed(1).padStart(9)} ${unit}   net ${mb.toFixed(1).padStart(9)} ${unit}   @t/net ${ratio.toFixed(2)}x${cpu}`,
  );
}

console.log(
  `@t/iostream bench — node ${process.version}, ${process.platform}-${process.arch}, runs=${RUNS} (median)`,
);
await compare(
  `bulk ${BULK_BYTES >> 20} MiB, ${WRITE_SIZE >> 10} KiB writes`,
  "MiB/s",
  bulkOurs,
  bulkNet,
  true,
);
await compare(`ping-pong ${ROUND_TRIPS} round trips`, "µs/rt", () => pingOurs(), pingNet, false);
await compare(
  "  same, read-ahead off",
  "µs/rt",
  () => pingOurs({ readAheadBytes: 0 }),
  pingNet,
  false,
);
await compare("  same, echo in consumer mode", "µs/rt", () => pingOurs({}, true), pingNet, false);
await compare(
  "  consumer mode, read-ahead off",
  "µs/rt",
  () => pingOurs({ readAheadBytes: 0 }, true),
  pingNet,
  false,
);
