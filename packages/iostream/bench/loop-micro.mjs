// Micro-benchmark of one request/response through the whole loop path: a consumer-mode IOStream
// serves one end of a Unix socketpair; each round this process writes `depth` small requests to
// the other end, lets Node's loop run once (libuv wakes the poller, whose batch reaches the
// stream through IOLoop's dispatch), and reads the responses. Deterministic enough for callgrind.
// `node bench/loop-micro.mjs [depth=1] [rounds=100000] [warmup] [readAheadBytes]` → ns per request.
// readAheadBytes 0 turns the loop's read-ahead off (the A/B of IOLoop.setReadAhead).

import { IOLoop } from "@t/ioloop";
import { IOStream } from "@t/iostream";
import { close, read, setNonBlocking, socketpair, write } from "@t/poller-native";

const depth = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 100_000);
const warmup = Number(process.argv[4] ?? Math.min(rounds, 20_000));
const readAheadBytes = process.argv[5] === undefined ? undefined : Number(process.argv[5]);
if (!(depth >= 1 && depth <= 64 && rounds >= 1)) throw new RangeError("bad arguments");

const loop = new IOLoop(readAheadBytes === undefined ? {} : { readAheadBytes });
const [a, b] = socketpair("stream");
setNonBlocking(a, true);
setNonBlocking(b, true);
const stream = new IOStream(a, { loop });
const REQ = Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(depth), "latin1");
const RES = Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "latin1");
const DELIM = 0x0a; // a request ends with "\r\n\r\n": count the blank lines
stream.setDataConsumer((buf, start, end) => {
  // Consume whole requests (ends at "\n\r\n"), one response each.
  let i = start;
  let last = start;
  while (i < end) {
    const j = buf.indexOf(DELIM, i);
    if (j === -1 || j >= end) break;
    if (j + 2 < end && buf[j + 1] === 0x0d && buf[j + 2] === DELIM) {
      stream.send(RES);
      last = j + 3;
      i = last;
    } else {
      i = j + 1;
    }
  }
  return last - start;
});
const rbuf = Buffer.alloc(1 << 16);
const expected = RES.length * depth;

let left = warmup + rounds;
let t0 = 0;
let c0;
const finished = new Promise((resolve, reject) => {
  const step = () => {
    if (left < warmup + rounds) {
      const n = read(b, rbuf, 0, rbuf.length);
      if (n !== expected) {
        reject(new Error(`response bytes ${n}, expected ${expected}`));
        return;
      }
    }
    if (left === rounds) {
      t0 = performance.now();
      c0 = process.cpuUsage();
    }
    if (left-- === 0) {
      resolve();
      return;
    }
    const w = write(b, REQ, 0, REQ.length);
    if (w !== REQ.length) {
      reject(new Error(`short client write ${w}`));
      return;
    }
    setImmediate(step);
  };
  setImmediate(step);
});
const done = loop.start();
await finished;
const c1 = process.cpuUsage(c0);
const ms = performance.now() - t0;
const per = rounds * depth;
console.log(
  `depth ${depth}: ${((ms * 1e6) / per).toFixed(0)} ns/request wall, user CPU ${((c1.user * 1e3) / per).toFixed(0)} ns/request, system ${((c1.system * 1e3) / per).toFixed(0)} (${rounds} × ${depth}, readAheadBytes ${readAheadBytes ?? "default"})`,
);
stream.close();
close(b);
loop.stop();
await done;
loop.close();
process.exit(0);
