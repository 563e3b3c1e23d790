// A small keep-alive HTTP/1.1 load generator: `node load.mjs <port> <path> <connections> <durationMs> <maxRequests>`.
// Each connection sends one GET at a time and counts complete responses (Content-Length framed).
// Prints JSON { requests, elapsedMs, errors } on stdout. Loopback only, bounded in time and count.
import { connect } from "node:net";

const [port, path, conns, durationMs, maxRequests] = process.argv.slice(2);
const request = Buffer.from(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
let requests = 0;
let errors = 0;
let stop = false;
const start = performance.now();

function run() {
  return new Promise((resolve) => {
    const sock = connect(Number(port), "127.0.0.1");
    sock.setNoDelay(true);
    let buf = "";
    const send = () => {
      if (stop || requests >= Number(maxRequests)) {
        sock.end();
        resolve();
        return;
      }
      sock.write(request);
    };
    sock.on("connect", send);
    sock.on("data", (d) => {
      buf += d.toString("latin1");
      for (;;) {
        const end = buf.indexOf("\r\n\r\n");
        if (end === -1) return;
        const m = /content-length: *(\d+)/i.exec(buf.slice(0, end));
        const len = m ? Number(m[1]) : 0;
        if (buf.length < end + 4 + len) return;
        buf = buf.slice(end + 4 + len);
        requests++;
        send();
      }
    });
    sock.on("error", () => {
      errors++;
      resolve();
    });
    sock.on("close", resolve);
  });
}

setTimeout(() => {
  stop = true;
}, Number(durationMs));
await Promise.all(Array.from({ length: Number(conns) }, run));
console.log(JSON.stringify({ requests, elapsedMs: performance.now() - start, errors }));
