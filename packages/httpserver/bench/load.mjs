// Bench load generator child: raw keep-alive sockets on loopback, optionally pipelined.
// `node load.mjs <port> <connections> <depth> <durationMs> <maxRequests>` → prints JSON { requests, ms }.

import * as net from "node:net";

const [port, conns, depth, durationMs, maxRequests] = process.argv.slice(2).map(Number);
const REQ = Buffer.from("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".repeat(depth), "latin1");
const MARK = Buffer.from("HTTP/1.1 200 ", "latin1");
let total = 0;
let stopped = false;
const t0 = performance.now();
const sockets = [];

function count(buf, state) {
  // Count status lines, including one split across reads (keep a short tail).
  const data = state.tail.length > 0 ? Buffer.concat([state.tail, buf]) : buf;
  let n = 0;
  let i = data.indexOf(MARK);
  while (i !== -1) {
    n++;
    i = data.indexOf(MARK, i + MARK.length);
  }
  state.tail = data.subarray(Math.max(0, data.length - (MARK.length - 1)));
  // A mark wholly inside the kept tail would be counted twice: the tail is shorter than the mark.
  return n;
}

await Promise.all(
  Array.from(
    { length: conns },
    () =>
      new Promise((resolve, reject) => {
        const s = net.connect({ port, host: "127.0.0.1" }, () => {
          s.setNoDelay(true);
          const state = { tail: Buffer.alloc(0), outstanding: depth };
          s.on("data", (d) => {
            const n = count(d, state);
            total += n;
            state.outstanding -= n;
            if (state.outstanding === 0) {
              if (stopped || total >= maxRequests || performance.now() - t0 > durationMs) {
                stopped = true;
                s.end();
                return;
              }
              state.outstanding = depth;
              s.write(REQ);
            }
          });
          s.on("close", resolve);
          s.write(REQ);
        });
        s.on("error", reject);
        sockets.push(s);
      }),
  ),
);
process.stdout.write(`${JSON.stringify({ requests: total, ms: performance.now() - t0 })}\n`);
