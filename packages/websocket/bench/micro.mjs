// Micro-benchmark of our JavaScript per message, without the event loop or TCP: an echo
// WebSocketHandler (on an @t/web Application) serves one end of a Unix socketpair; this process
// writes `depth` masked frames to the other end, lets the stream read them (as a READ event would)
// and reads the echoes. `node bench/micro.mjs [size=32] [depth=16] [iterations=100000] [warmup]`
// → ns per message (wall clock, includes the read/write system calls). Run under
// `valgrind --tool=callgrind` through bench/instructions.sh for repeatable instruction counts.
// WEBSOCKET_DIR=<a packages/websocket directory> measures another build (e.g. a copy of dist/).

import { createHash } from "node:crypto";
import { pathToFileURL } from "node:url";
import { clientFrame } from "./raw-client.mjs";

const dir = process.env.WEBSOCKET_DIR ?? new URL("..", import.meta.url).pathname;
const load = (path) => import(pathToFileURL(`${dir}/${path}`).href);
const { WebSocketHandler } = await load("dist/index.js");
const { Application } = await load("node_modules/@t/web/dist/index.js");
const { HTTPServer } = await load("node_modules/@t/httpserver/dist/index.js");
const { IOLoop } = await load("node_modules/@t/ioloop/dist/index.js");
const { IOStream } = await load("node_modules/@t/iostream/dist/index.js");
const { socketpair, read, write, close, setNonBlocking } = await load(
  "node_modules/@t/iostream/node_modules/@t/poller-native/dist/index.js",
);

const size = Number(process.argv[2] ?? 32);
const depth = Number(process.argv[3] ?? 16);
const iterations = Number(process.argv[4] ?? 100_000);
const warmup = Number(process.argv[5] ?? Math.min(iterations, 20_000));
const binary = size > 125; // small messages as text, large as binary (the bench's workloads)
if (!(depth >= 1 && depth <= 64 && iterations >= 1 && size >= 0)) {
  throw new RangeError("bad arguments");
}

const loop = new IOLoop();
loop.makeCurrent();
class Echo extends WebSocketHandler {
  onMessage(message) {
    this.writeMessage(message);
  }
}
const { createDefaultLogger } = await load("node_modules/@t/ioloop/dist/index.js");
const logger = createDefaultLogger("bench", { level: "warn" });
const server = new HTTPServer(new Application([["/", Echo]], { logger }));
const [a, b] = socketpair("stream");
setNonBlocking(a, true);
setNonBlocking(b, true);
const stream = new IOStream(a);
server.handleStream(stream, { family: "IPv4", address: "127.0.0.1", port: 1 });

const rbuf = Buffer.alloc(4 << 20);
/** Read what the server wrote (the socketpair holds it all: no partial writes at these sizes). */
function drain() {
  const n = read(b, rbuf, 0, rbuf.length);
  return Math.max(n, 0);
}

const key = "dGhlIHNhbXBsZSBub25jZQ==";
const upgrade = Buffer.from(
  `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  "latin1",
);
const tick = () => new Promise((resolve) => setImmediate(resolve));
const running = loop.start(); // the handshake passes through the loop's callbacks
write(b, upgrade, 0, upgrade.length);
let n = 0;
for (let i = 0; i < 1000 && n === 0; i++) {
  await tick();
  n = drain();
}
const head = rbuf.toString("latin1", 0, n);
const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest();
if (!head.startsWith("HTTP/1.1 101") || !head.includes(accept.toString("base64"))) {
  throw new Error(`no upgrade: ${head.split("\r\n")[0]}`);
}

const frame = clientFrame(size, binary ? 2 : 1);
const input = Buffer.concat(Array.from({ length: depth }, () => frame));
const answer = (size < 126 ? 2 : size < 0x10000 ? 4 : 10) + size;
const expected = answer * depth;

function once() {
  for (let off = 0; off < input.length; ) {
    const w = write(b, input, off, input.length - off);
    if (w < 0) throw new Error(`client write failed ${w}`);
    off += w;
    stream.handleEvents(1); // READ
  }
  let got = 0;
  while (got < expected) {
    const n = drain();
    if (n === 0) stream.handleEvents(4); // WRITE: the stream flushes what the kernel refused
    got += n;
  }
  if (got !== expected) throw new Error(`echo bytes ${got}, expected ${expected}`);
}

/** `count` echoes; Promise reactions (the batches' write Promises) run every 256. */
async function repeat(count) {
  for (let i = 0; i < count; i++) {
    once();
    if ((i & 255) === 255) await tick();
  }
}
await repeat(warmup);
const t0 = performance.now();
const c0 = process.cpuUsage();
await repeat(iterations);
const c1 = process.cpuUsage(c0);
const ms = performance.now() - t0;
const per = iterations * depth;
console.log(
  `${size} B × ${depth}: ${((ms * 1e6) / per).toFixed(0)} ns/message wall, user CPU ${((c1.user * 1e3) / per).toFixed(0)} ns/message, system ${((c1.system * 1e3) / per).toFixed(0)} (${iterations} × ${depth})`,
);
stream.close();
close(b);
server.stop();
loop.stop();
await running;
loop.close();
process.exit(0);
