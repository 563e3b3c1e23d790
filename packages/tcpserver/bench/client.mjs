// Bench client: drives one echo server (by port) the same way for every server, prints JSON.
import net from "node:net";

const port = Number(process.argv[2]);
const CONNS = 32;
const MSG = Buffer.alloc(64, 120);
const PINGPONG_MS = 2000;
const MAX_ROUND_TRIPS = 2_000_000;
const ACCEPTS = 4000;
const ACCEPT_CONCURRENCY = 32;
const ACCEPT_MAX_MS = 10_000;

function connect() {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: "127.0.0.1", port, noDelay: true });
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
}

/** Round trips of a 64-byte message on CONNS connections for PINGPONG_MS (bounded in count). */
async function pingPong() {
  const sockets = await Promise.all(Array.from({ length: CONNS }, connect));
  let trips = 0;
  let running = true;
  const timer = setTimeout(() => {
    running = false;
  }, PINGPONG_MS);
  const t0 = performance.now();
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise((resolve) => {
          let got = 0;
          s.on("data", (d) => {
            got += d.length;
            if (got < MSG.length) return;
            got -= MSG.length;
            trips++;
            if (running && trips < MAX_ROUND_TRIPS) s.write(MSG);
            else resolve();
          });
          s.once("error", resolve);
          s.write(MSG);
        }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  clearTimeout(timer);
  for (const s of sockets) s.destroy();
  return trips / seconds;
}

/** New connections per second: connect, one 1-byte echo, close; ACCEPT_CONCURRENCY at a time. */
async function acceptRate() {
  let started = 0;
  let done = 0;
  const t0 = performance.now();
  const deadline = t0 + ACCEPT_MAX_MS;
  const one = () =>
    new Promise((resolve) => {
      const s = net.connect({ host: "127.0.0.1", port, noDelay: true });
      s.once("connect", () => s.write("x"));
      s.once("data", () => {
        s.destroy();
        done++;
        resolve();
      });
      s.once("error", () => resolve());
    });
  const worker = async () => {
    while (started < ACCEPTS && performance.now() < deadline) {
      started++;
      await one();
    }
  };
  await Promise.all(Array.from({ length: ACCEPT_CONCURRENCY }, worker));
  return done / ((performance.now() - t0) / 1000);
}

const roundTripsPerSec = await pingPong();
const acceptsPerSec = await acceptRate();
console.log(JSON.stringify({ roundTripsPerSec, acceptsPerSec }));
