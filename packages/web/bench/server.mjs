// A benchmark server: `node server.mjs web|httpserver|fastify|node` serves GET / (hello) and
// GET /json on a free loopback port, prints the port on stdout, and runs until killed.
import http from "node:http";

const kind = process.argv[2];
// Exit normally on SIGTERM so that `node --cpu-prof server.mjs …` writes its profile.
process.on("SIGTERM", () => process.exit(0));
const HELLO = "Hello, world";
const JSON_BODY = () => ({ hello: "world", n: 1 });

if (kind === "node") {
  const server = http.createServer((req, res) => {
    if (req.url === "/json") {
      const body = JSON.stringify(JSON_BODY());
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
} else if (kind === "fastify") {
  const { default: Fastify } = await import("fastify");
  const app = Fastify({ logger: false });
  app.get("/", (_req, reply) => {
    reply.type("text/html; charset=UTF-8").send(HELLO);
  });
  app.get("/json", async () => JSON_BODY());
  await app.listen({ port: 0, host: "127.0.0.1" });
  console.log(app.server.address().port);
} else if (kind === "httpserver") {
  // The bare layer below @t/web: a plain request callback (what the framework adds is the difference).
  const { IOLoop } = await import("@t/ioloop");
  const { HTTPServer, HTTPHeaders } = await import("@t/httpserver");
  const loop = new IOLoop();
  loop.makeCurrent();
  const running = loop.start();
  const server = new HTTPServer((req) => {
    const json = req.path === "/json";
    const body = json ? JSON.stringify(JSON_BODY()) : HELLO;
    req.connection.writeHeaders(
      { code: 200, reason: "OK" },
      new HTTPHeaders({
        "Content-Type": json ? "application/json; charset=UTF-8" : "text/html; charset=UTF-8",
      }),
      Buffer.from(body),
    );
    req.connection.finish();
  });
  await server.listen(0, "127.0.0.1");
  console.log(server.addresses()[0].port);
  await running;
} else if (kind === "web") {
  const { IOLoop } = await import("@t/ioloop");
  // BENCH_WEB_DIST points at another build of @t/web (e.g. an older one) to compare.
  const { Application, RequestHandler } = await import(
    process.env.BENCH_WEB_DIST ?? "../dist/index.js"
  );
  class Hello extends RequestHandler {
    get() {
      this.write(HELLO);
    }
  }
  class Json extends RequestHandler {
    get() {
      this.write(JSON_BODY());
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
  console.error("usage: node server.mjs web|httpserver|fastify|node");
  process.exit(2);
}
