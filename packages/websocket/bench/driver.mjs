// Load driver (child process): ws clients echoing messages through a server, printing JSON stats.

import WebSocket from "ws";

const [url, conns, window, total, size, binary, timeLimitMs] = process.argv.slice(2);
const nConns = Number(conns);
const perConn = Math.ceil(Number(total) / nConns);
const payload = binary === "1" ? Buffer.alloc(Number(size), 0x61) : "a".repeat(Number(size));
const deadline = Date.now() + Number(timeLimitMs);

const sockets = await Promise.all(
  Array.from({ length: nConns }, () => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(ws));
      ws.once("error", reject);
    });
  }),
);

let received = 0;
const start = performance.now();
await Promise.all(
  sockets.map(
    (ws) =>
      new Promise((resolve) => {
        let sent = 0;
        let got = 0;
        const send = () => {
          sent++;
          ws.send(payload, { binary: binary === "1" });
        };
        ws.on("message", () => {
          got++;
          received++;
          if (got === perConn || Date.now() > deadline) {
            resolve();
            return;
          }
          if (sent < perConn) send();
        });
        for (let i = 0; i < Number(window) && sent < perConn; i++) send();
      }),
  ),
);
const ms = performance.now() - start;
for (const ws of sockets) ws.terminate();
process.stdout.write(`${JSON.stringify({ received, ms })}\n`);
process.exit(0);
