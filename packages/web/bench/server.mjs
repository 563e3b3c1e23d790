// A benchmark server: `node server.mjs web|node` serves GET / (hello) and GET /json on a free
// loopback port, prints the port on stdout, and runs until killed.
import http from "node:http";

const kind = process.argv[2];
// Exit normally on SIGTERM so that `node --cpu-prof server.mjs …` writes its profile.
process.on("SIGTERM", () => process.exit(0));
const HELLO = "Hello, world";

if (kind === "node") {
  const server = http.createServer((req, res) => {
    if (req.url === "/json") {
      const body = JSON.stringify({ hello: "world", n: 1 });
      res.writeHead(200, {
        "Content-Type": "application/json; charset=UTF-8",
        "Content-Length": Buffer.byteLength(body),
      });
      res.end(body);
    } else {
      res.writeHead(200, {
        "Content-Type": "text/html; charset=UTF-8",
        "Content-Length": HELLO.length,
      });
      res.end(HELLO);
    }
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => console.log(server.address().port));
} else if (kind === "web") {
  const { IOLoop } = await import("@t/ioloop");
  const { Application, RequestHandler } = await import("../dist/index.js");
  class Hello extends RequestHandler {
    get() {
      this.write(HELLO);
    }
  }
  class Json extends RequestHandler {
    get() {
      this.write({ hello: "world", n: 1 });
    }
  }
  const loop = new IOLoop();
  loop.makeCurrent();
  const running = loop.start();
  // No access log: one stderr line per request would dominate the measurement.
  const app = new Application(
    [
      ["/", Hello],
      ["/json", Json],
    ],
    { logFunction: () => {} },
  );
  const server = await app.listen(0, "127.0.0.1");
  console.log(server.addresses()[0].port);
  await running;
} else {
  console.error("usage: node server.mjs web|node");
  process.exit(2);
}
