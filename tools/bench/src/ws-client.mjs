// WebSocket echo load (run pinned, in its own process): raw clients that keep a window of
// pre-masked messages in flight per connection and count the echoes over a bounded time and count.
//
// Arguments: port connections window sizeBytes binary(0|1) warmupMs durationMs maxMessages
// Prints "start" when the warm-up ends, then one JSON line when the measured window ends:
// { messages, seconds, errors, cpuS } (cpuS: this process's user + system CPU over the window).
// Exits by itself within warmupMs + durationMs + 20 s.
//
// Why not the `ws` library as the client: it masks and writes every frame with its own syscall,
// which caps one load core at about 60-100k messages/s on the project's VM. That is below what
// servers that batch their output (@t/websocket, uWS) echo on one core (about 500k/s at 32 B),
// so they ran partly idle, saw about 3.6 messages per read instead of the window, and their CPU
// per message measured the load generator's pace (wake-ups), not the server. Here the frames
// are built and masked once (a fixed key: servers cannot tell), and the echoes that one read
// brings back on a connection are answered with one write, so the load core keeps headroom and
// the server, not the client, sets the pace. Once the server is the bottleneck, what it finds
// per read is the messages queued for it (up to the window), whatever the client's writes were.

import {
  clientFrame,
  openRawWebSocket,
  serverFrameCounter,
} from "../../../packages/websocket/bench/raw-client.mjs";

const args = process.argv.slice(2).map(Number);
const [port, conns, window, size, binary, warmupMs, durationMs, maxMessages] = args;
if (args.length !== 8 || args.some((n) => !Number.isFinite(n)) || conns < 1 || window < 1) {
  process.stderr.write(
    "usage: ws-client.mjs port connections window sizeBytes binary warmupMs durationMs max\n",
  );
  process.exit(2);
}
const opcode = binary === 1 ? 0x2 : 0x1;
setTimeout(
  () => {
    process.stderr.write("ws-client: hard time limit reached\n");
    process.exit(2);
  },
  warmupMs + durationMs + 20_000,
).unref();

const FRAME = clientFrame(size, opcode);
/** `window` frames back to back: a write of k frames is `FRAMES.subarray(0, k * FRAME.length)`. */
const FRAMES = Buffer.concat(Array.from({ length: window }, () => FRAME));

const sockets = await Promise.all(Array.from({ length: conns }, () => openRawWebSocket(port)));

let phase = "warmup"; // → measure → done
let received = 0;
let errors = 0;
let startCount = 0;
let startNs = 0n;
let startCpu = process.cpuUsage();

function finish() {
  if (phase === "done") return;
  const seconds = Number(process.hrtime.bigint() - startNs) / 1e9;
  const cpu = process.cpuUsage(startCpu);
  phase = "done";
  const messages = received - startCount;
  const cpuS = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(`${JSON.stringify({ messages, seconds, errors, cpuS })}\n`);
  for (const socket of sockets) socket.destroy();
  setImmediate(() => process.exit(0));
}

/** Sends `k` more frames on `socket` in one write. */
function send(socket, k) {
  socket.write(FRAMES.subarray(0, k * FRAME.length));
}

/**
 * Counts the complete server frames of each chunk (a header split across chunks is kept, at
 * most 10 bytes), checks their opcode, length and that they are unmasked, and answers them.
 */
function attach(socket) {
  const count = serverFrameCounter((b0, b1, length) => {
    if (b0 !== (0x80 | opcode) || (b1 & 0x80) !== 0 || length !== size) errors++;
  });
  socket.on("data", (d) => {
    if (phase === "done") return;
    const done = count(d);
    if (done === 0) return;
    received += done;
    if (phase === "measure" && received - startCount >= maxMessages) finish();
    else send(socket, done);
  });
  socket.on("error", () => {
    errors++;
  });
  socket.on("close", () => {
    if (phase !== "done") errors++;
  });
}

for (const socket of sockets) {
  attach(socket);
  send(socket, window);
}

setTimeout(() => {
  phase = "measure";
  startCount = received;
  startNs = process.hrtime.bigint();
  startCpu = process.cpuUsage();
  process.stdout.write("start\n");
  setTimeout(finish, durationMs);
}, warmupMs);
