// Micro-benchmark of our JavaScript per request, without the event loop or TCP: a hello-world
// HTTPServer serves one end of a Unix socketpair; this process writes `depth` pipelined requests
// to the other end, lets the stream read them (as a READ event would), and reads the responses.
// `node bench/micro.mjs [depth=1] [iterations=200000]` → ns per request (wall clock, includes
// the read/write system calls). Run under `valgrind --tool=callgrind` with few iterations for
// repeatable instruction counts.

import { fileURLToPath } from "node:url";
import { IOLoop } from "@t/ioloop";
import { IOStream } from "@t/iostream";

const pnPath = fileURLToPath(new URL("../../poller-native/dist/index.js", import.meta.url));
const { socketpair, read, write, close, setNonBlocking } = await import(pnPath);
// HTTPSERVER_DIST compares another build (e.g. a copy of the previous dist/index.js).
const { HTTPHeaders, HTTPServer } = await import(
  process.env.HTTPSERVER_DIST ?? new URL("../dist/index.js", import.meta.url).href
);

const depth = Number(process.argv[2] ?? 1);
const iterations = Number(process.argv[3] ?? 200_000);
const warmup = Number(process.argv[4] ?? Math.min(iterations, 20_000));
if (!(depth >= 1 && depth <= 64 && iterations >= 1)) throw new RangeError("bad arguments");

const loop = new IOLoop();
loop.makeCurrent();
const BODY = Buffer.from("Hello, world");
const server = new HTTPServer((req) => {
  req.connection.writeHeaders(
    { code: 200, reason: "OK" },
    new HTTPHeaders({ "Content-Type": "text/plain" }),
    BODY,
  );
  req.connection.finish();
});

const [a, b] = socketpair("stream");
setNonBlocking(a, true);
setNonBlocking(b, true);
const stream = new IOStream(a);
server.handleStream(stream, { family: "IPv4", address: "127.0.0.1", port: 1 });
const REQ = Buffer.from(
  "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n".repeat(
    depth,
  ),
  "latin1",
);
const rbuf = Buffer.alloc(1 << 20);
let expected = -1;

function once() {
  const w = write(b, REQ, 0, REQ.length);
  if (w !== REQ.length) throw new Error(`short client write ${w}`);
  stream.handleEvents(1); // READ
  const n = read(b, rbuf, 0, rbuf.length);
  if (expected === -1) expected = n;
  if (n !== expected) throw new Error(`response bytes ${n}, expected ${expected}`);
}

for (let i = 0; i < warmup; i++) once();
const t0 = performance.now();
const c0 = process.cpuUsage();
for (let i = 0; i < iterations; i++) once();
const c1 = process.cpuUsage(c0);
const ms = performance.now() - t0;
const per = iterations * depth;
console.log(
  `depth ${depth}: ${((ms * 1e6) / per).toFixed(0)} ns/request wall, user CPU ${((c1.user * 1e3) / per).toFixed(0)} ns/request, system ${((c1.system * 1e3) / per).toFixed(0)} (${iterations} × ${depth}, ${expected / depth} response bytes each)`,
);
stream.close();
close(b);
server.stop();
loop.close();
process.exit(0);
