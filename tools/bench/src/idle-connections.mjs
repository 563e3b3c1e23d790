// Opens N keep-alive connections to 127.0.0.1:port, sends one request on each, reads the
// response, then keeps them idle; prints "open N" when all are served. Ends on SIGTERM or
// after 120 s.
import net from "node:net";

const [port, n] = process.argv.slice(2).map(Number);
const sockets = [];
let served = 0;
const req = Buffer.from("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
let next = 0;
function openOne() {
  if (next >= n) return;
  next++;
  const s = net.connect(port, "127.0.0.1");
  sockets.push(s);
  s.once("connect", () => s.write(req));
  s.once("data", () => {
    served++;
    if (served === n) process.stdout.write(`open ${served}\n`);
    openOne();
  });
  s.on("error", () => {});
}
for (let i = 0; i < 200; i++) openOne();
setTimeout(() => process.exit(0), 120_000).unref();
process.on("SIGTERM", () => {
  for (const s of sockets) s.destroy();
  process.exit(0);
});
setInterval(() => {}, 1000);
