// Echo throughput of @t/websocket's WebSocketHandler against a ws server, driven by ws clients
// in a child process over loopback. Run: pnpm --filter @t/websocket bench

import { execFile } from "node:child_process";
import { createDefaultLogger, IOLoop } from "@t/ioloop";
import { Application } from "@t/web";
import { WebSocketServer } from "ws";
import { WebSocketHandler } from "../dist/index.js";

const RUNS = 2;
const WORKLOADS = [
  { name: "small (32 B text)", size: 32, binary: false, conns: 50, window: 20, total: 400_000 },
  { name: "64 KiB binary", size: 64 * 1024, binary: true, conns: 10, window: 4, total: 20_000 },
];
const TIME_LIMIT_MS = 15_000;

const logger = createDefaultLogger("bench", { level: "warn" });
const loop = new IOLoop({ logger });
loop.makeCurrent();
const loopDone = loop.start();

class Echo extends WebSocketHandler {
  onMessage(message) {
    this.writeMessage(message);
  }
}
const app = new Application([["/", Echo]], { logger });
const ours = await app.listen(0, "127.0.0.1", { logger });
const oursUrl = `ws://127.0.0.1:${ours.addresses()[0].port}/`;

const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false });
await new Promise((r) => wss.once("listening", r));
wss.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
});
const wsUrl = `ws://127.0.0.1:${wss.address().port}/`;

/** Run the driver against `url`; resolves with [messages/s, server CPU µs per message]. */
function drive(url, w) {
  const cpu0 = process.cpuUsage();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        new URL("./driver.mjs", import.meta.url).pathname,
        url,
        String(w.conns),
        String(w.window),
        String(w.total),
        String(w.size),
        w.binary ? "1" : "0",
        String(TIME_LIMIT_MS),
      ],
      { timeout: TIME_LIMIT_MS + 30_000 },
      (err, stdout) => {
        if (err) reject(err);
        else {
          const { received, ms } = JSON.parse(stdout.trim().split("\n").at(-1));
          const cpu = process.cpuUsage(cpu0);
          resolve([(received / ms) * 1000, (cpu.user + cpu.system) / received]);
        }
      },
    );
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(
  `node ${process.version}, ${RUNS} runs, medians; echoed messages per second and server CPU per message`,
);
for (const w of WORKLOADS) {
  const a = [];
  const b = [];
  for (let r = 0; r < RUNS; r++) {
    a.push(await drive(oursUrl, w));
    b.push(await drive(wsUrl, w));
  }
  const [ra, ca] = [median(a.map((x) => x[0])), median(a.map((x) => x[1]))];
  const [rb, cb] = [median(b.map((x) => x[0])), median(b.map((x) => x[1]))];
  console.log(`${w.name} (${w.conns} conns x ${w.window} in flight)`);
  console.log(
    `  @t/websocket ${ra.toFixed(0).padStart(8)} msg/s ${ca.toFixed(2).padStart(7)} µs CPU/msg`,
  );
  console.log(
    `  ws           ${rb.toFixed(0).padStart(8)} msg/s ${cb.toFixed(2).padStart(7)} µs CPU/msg`,
  );
  console.log(
    `  @t ÷ ws      ${(ra / rb).toFixed(2)}x throughput, ${(cb / ca).toFixed(2)}x less CPU per message`,
  );
}

wss.close();
ours.stop();
loop.stop();
await loopDone;
loop.close(true);
process.exit(0);
