// WebSocket echo load (run pinned, in its own process): `ws` clients keep a window of messages
// in flight per connection and count the echoes over a bounded time and count.
//
// Arguments: port connections window sizeBytes binary(0|1) warmupMs durationMs maxMessages
// Prints "start" when the warm-up ends, then one JSON line when the measured window ends:
// { messages, seconds, errors }. Exits by itself within warmupMs + durationMs + 20 s.
import WebSocket from "ws";

const [port, conns, window, size, binary, warmupMs, durationMs, maxMessages] = process.argv
  .slice(2)
  .map(Number);
const isBinary = binary === 1;
const payload = isBinary ? Buffer.alloc(size, 0x61) : "a".repeat(size);
setTimeout(
  () => {
    process.stderr.write("ws-client: hard time limit reached\n");
    process.exit(2);
  },
  warmupMs + durationMs + 20_000,
).unref();

let phase = "connecting"; // → warmup → measure → done
let received = 0;
let errors = 0;
let startCount = 0;
let startNs = 0n;

const sockets = await Promise.all(
  Array.from({ length: conns }, () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(ws));
      ws.once("error", reject);
    });
  }),
);

function finish() {
  if (phase === "done") return;
  const seconds = Number(process.hrtime.bigint() - startNs) / 1e9;
  phase = "done";
  process.stdout.write(`${JSON.stringify({ messages: received - startCount, seconds, errors })}\n`);
  for (const ws of sockets) ws.terminate();
  setImmediate(() => process.exit(0));
}

for (const ws of sockets) {
  ws.on("message", (data, wasBinary) => {
    if (phase === "done") return;
    received++;
    if (data.length !== size || wasBinary !== isBinary) errors++;
    if (phase === "measure" && received - startCount >= maxMessages) {
      finish();
      return;
    }
    ws.send(payload, { binary: isBinary });
  });
  ws.on("error", () => {
    errors++;
  });
  ws.on("close", () => {
    if (phase !== "done") errors++;
  });
}
phase = "warmup";
for (const ws of sockets) for (let i = 0; i < window; i++) ws.send(payload, { binary: isBinary });

setTimeout(() => {
  phase = "measure";
  startCount = received;
  startNs = process.hrtime.bigint();
  process.stdout.write("start\n");
  setTimeout(finish, durationMs);
}, warmupMs);
