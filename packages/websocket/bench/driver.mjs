// Load driver child of the bench: raw WebSocket clients on loopback echoing pre-masked frames.
// `node driver.mjs <port> <conns> <window> <size> <binary 0|1> <warmupMs> <durationMs> <maxMessages>`
//
// Opens `conns` connections (the HTTP upgrade by hand), keeps `window` messages in flight on
// each and sends one more per echo that comes back (all a read brought, in one write). The
// frames are built once (a fixed masking key: servers cannot tell), so the driver spends its CPU
// on the sockets, not on masking. A warm-up of `warmupMs` is run and drained, then it prints
// `ready` and waits for a line on stdin; then it runs until `durationMs` passed or
// `maxMessages` were sent, waits for the messages in flight (at most 10 s), and prints
// `{ "received": n, "ms": t, "cpuUs": its own CPU over the run }`. Every server answers each
// message with one unmasked frame.

import { createInterface } from "node:readline";

import { clientFrame, openRawWebSocket, serverFrameCounter } from "./raw-client.mjs";

const args = process.argv.slice(2).map(Number);
const [port, conns, window, size, binary, warmupMs, durationMs, maxMessages] = args;
if (args.length !== 8 || args.some((n) => !Number.isFinite(n)) || conns < 1 || window < 1) {
  throw new RangeError("usage: driver.mjs port conns window size binary warmupMs durationMs max");
}
const DRAIN_LIMIT_MS = 10_000;

const FRAME = clientFrame(size, binary === 1 ? 0x2 : 0x1);
/** `window` frames back to back: a write of k frames is `FRAMES.subarray(0, k * FRAME.length)`. */
const FRAMES = Buffer.concat(Array.from({ length: window }, () => FRAME));

const sockets = await Promise.all(Array.from({ length: conns }, () => openRawWebSocket(port)));

/**
 * Count the complete server frames in each chunk (a header split across chunks is kept, at most
 * 10 bytes) and send as many new frames as came back while `sending()` says so.
 */
function attach(socket, phase) {
  const count = serverFrameCounter();
  socket.removeAllListeners("data");
  socket.on("data", (d) => {
    const done = count(d);
    if (done > 0) phase.echoed(socket, done);
  });
}

/** One timed phase over all sockets; resolves with { received, ms } once in-flight ones came back. */
function run(phaseMs, limit) {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    let sent = 0;
    let received = 0;
    let stopped = false;
    const finish = () => {
      const cpu = process.cpuUsage(cpu0);
      resolve({ received, ms: performance.now() - start, cpuUs: cpu.user + cpu.system });
    };
    const guard = setTimeout(() => {
      stopped = true;
      reject(new Error(`${sent - received} messages did not come back`));
    }, phaseMs + DRAIN_LIMIT_MS);
    const phase = {
      echoed(socket, n) {
        received += n;
        if (!stopped && (sent >= limit || performance.now() - start >= phaseMs)) stopped = true;
        if (!stopped) {
          const k = Math.min(n, limit - sent);
          sent += k;
          socket.write(FRAMES.subarray(0, k * FRAME.length));
        }
        if (stopped && received === sent) {
          clearTimeout(guard);
          finish();
        }
      },
    };
    for (const socket of sockets) {
      attach(socket, phase);
      const k = Math.min(window, limit - sent);
      if (k <= 0) break;
      sent += k;
      socket.write(FRAMES.subarray(0, k * FRAME.length));
    }
  });
}

await run(warmupMs, maxMessages);
process.stdout.write("ready\n");
await new Promise((resolve) => createInterface({ input: process.stdin }).once("line", resolve));
const result = await run(durationMs, maxMessages);
for (const socket of sockets) socket.destroy();
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
