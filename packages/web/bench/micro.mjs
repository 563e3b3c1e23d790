// Micro-benchmark of the framework's cost per request, without the event loop or TCP: the same
// hello response served through a @t/web Application (`web`) or a plain @t/httpserver callback
// (`httpserver`, as bench/server.mjs's), on one end of a Unix socketpair; this process writes a
// request to the other end, lets the stream read it (as a READ event would) and reads the
// response. `node bench/micro.mjs web|httpserver [iterations=200000] [warmup]` → ns per request
// (wall clock, includes the read/write system calls). bench/instructions.sh runs it under
// valgrind's callgrind for repeatable instruction counts.
// Env: WEB_LAYERS (a `packages` directory whose ioloop/iostream/poller-native/httpserver builds
// to load, default this checkout's), WEB_DIST (another build of @t/web's dist/index.js, which
// must resolve @t/httpserver to the same layers), WEB_MICRO_DUMP=1 (print one response).

import { fileURLToPath, pathToFileURL } from "node:url";

const layers = process.env.WEB_LAYERS ?? fileURLToPath(new URL("../../", import.meta.url));
const at = (pkg) => pathToFileURL(`${layers}/${pkg}/dist/index.js`).href;
const { IOLoop } = await import(at("ioloop"));
const { IOStream } = await import(at("iostream"));
const { socketpair, read, write, close, setNonBlocking } = await import(at("poller-native"));
const { HTTPHeaders, HTTPServer } = await import(at("httpserver"));

const kind = process.argv[2];
const iterations = Number(process.argv[3] ?? 200_000);
const warmup = Number(process.argv[4] ?? Math.min(iterations, 20_000));
if (!(kind === "web" || kind === "httpserver") || !(iterations >= 1)) {
  throw new RangeError("usage: node bench/micro.mjs web|httpserver [iterations] [warmup]");
}

const loop = new IOLoop();
loop.makeCurrent();
const HELLO = "Hello, world";
let server;
if (kind === "httpserver") {
  server = new HTTPServer((req) => {
    req.connection.writeHeaders(
      { code: 200, reason: "OK" },
      new HTTPHeaders({ "Content-Type": "text/html; charset=UTF-8" }),
      Buffer.from(HELLO),
    );
    req.connection.finish();
  });
} else {
  const { Application, RequestHandler } = await import(
    process.env.WEB_DIST === undefined
      ? new URL("../dist/index.js", import.meta.url).href
      : pathToFileURL(process.env.WEB_DIST).href
  );
  class Hello extends RequestHandler {
    get() {
      this.write(HELLO);
    }
  }
  // No access log, as bench/server.mjs.
  const app = new Application([["/", Hello]], { logFunction: () => {} });
  server = new HTTPServer(app);
}

const [a, b] = socketpair("stream");
setNonBlocking(a, true);
setNonBlocking(b, true);
const stream = new IOStream(a);
server.handleStream(stream, { family: "IPv4", address: "127.0.0.1", port: 1 });
const REQ = Buffer.from(
  "GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n",
  "latin1",
);
const rbuf = Buffer.alloc(1 << 16);
let expected = -1;

function once() {
  const w = write(b, REQ, 0, REQ.length);
  if (w !== REQ.length) throw new Error(`short client write ${w}`);
  stream.handleEvents(1); // READ
  const n = read(b, rbuf, 0, rbuf.length);
  if (expected === -1) {
    expected = n;
    if (process.env.WEB_MICRO_DUMP === "1") console.log(rbuf.toString("latin1", 0, n));
  }
  if (n !== expected) throw new Error(`response bytes ${n}, expected ${expected}`);
}

for (let i = 0; i < warmup; i++) once();
const t0 = performance.now();
const c0 = process.cpuUsage();
for (let i = 0; i < iterations; i++) once();
const c1 = process.cpuUsage(c0);
const ms = performance.now() - t0;
console.log(
  `${kind}: ${((ms * 1e6) / iterations).toFixed(0)} ns/request wall, user CPU ${((c1.user * 1e3) / iterations).toFixed(0)} ns/request, system ${((c1.system * 1e3) / iterations).toFixed(0)} (${iterations} requests, ${expected} response bytes each)`,
);
stream.close();
close(b);
server.stop();
loop.close();
process.exit(0);
