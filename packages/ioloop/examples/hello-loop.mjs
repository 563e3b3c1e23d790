// Demo: an IOLoop echoing messages through a socketpair, with timers and a PeriodicCallback.
// Run it with `pnpm start` at the repository root (after a build); it exits 0 by itself.
import { IOLoop, PeriodicCallback, READ } from "@t/ioloop";
import { read, socketpair, write } from "@t/poller-native";

const MESSAGES = ["hello", "from", "the", "tornado", "loop"];
const loop = new IOLoop();
const [client, server] = socketpair();
const buf = Buffer.alloc(1024);
const startedMs = loop.time();
const elapsed = () => `${(loop.time() - startedMs).toFixed(0).padStart(4)} ms`;

function send(fd, text) {
  const bytes = Buffer.from(text);
  const n = write(fd, bytes, 0, bytes.length);
  if (n !== bytes.length) throw new Error(`short write: ${n}`);
}

// The "server" end echoes whatever it reads, upper-cased.
loop.addHandler(
  server,
  (fd) => {
    const n = read(fd, buf, 0, buf.length);
    if (n > 0) send(fd, buf.toString("utf8", 0, n).toUpperCase());
  },
  READ,
);

// The "client" end prints each echo; the last one stops the loop.
let echoes = 0;
loop.addHandler(
  client,
  (fd) => {
    const n = read(fd, buf, 0, buf.length);
    if (n <= 0) return;
    echoes++;
    console.log(`[${elapsed()}] echo ${echoes}/${MESSAGES.length}: ${buf.toString("utf8", 0, n)}`);
    if (echoes === MESSAGES.length) loop.callLater(50, () => loop.stop());
  },
  READ,
);

// One message every 200 ms, each on its own timer.
MESSAGES.forEach((text, i) => {
  loop.callLater(100 + i * 200, () => {
    console.log(`[${elapsed()}] send ${text}`);
    send(client, text);
  });
});

const progress = new PeriodicCallback(
  () => console.log(`[${elapsed()}] progress: ${echoes} of ${MESSAGES.length} echoed`),
  250,
  0,
  loop,
);
progress.start();

// A guard so the demo always ends, even if something went wrong.
const guard = loop.callLater(3000, () => {
  console.error("demo did not finish in time");
  process.exitCode = 1;
  loop.stop();
});

console.log(`IOLoop on ${loop.backend}: echoing ${MESSAGES.length} messages through a socketpair`);
await loop.start();
progress.stop();
loop.removeTimeout(guard);
loop.close(true); // closes both ends of the socketpair
console.log(`done: ${echoes} echoes in ${(loop.time() - startedMs).toFixed(0)} ms`);
