// Bench server child: `node server.mjs t|node` — a hello-world server on 127.0.0.1, port on stdout.

import * as http from "node:http";

const kind = process.argv[2];
process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
const BODY = Buffer.from("Hello, world");

if (kind === "node") {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": BODY.length });
    res.end(BODY);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => {
    process.stdout.write(`${server.address().port}\n`);
  });
} else {
  const { IOLoop } = await import("@t/ioloop");
  // HTTPSERVER_DIST: another build to compare (e.g. a copy of an earlier dist/index.js).
  const { HTTPHeaders, HTTPServer } = await import(
    process.env.HTTPSERVER_DIST ?? new URL("../dist/index.js", import.meta.url).href
  );
  const loop = new IOLoop();
  loop.makeCurrent();
  const server = new HTTPServer((req) => {
    req.connection.writeHeaders(
      { code: 200, reason: "OK" },
      new HTTPHeaders({ "Content-Type": "text/plain" }),
      BODY,
    );
    req.connection.finish();
  });
  const running = loop.start();
  await server.listen(0, "127.0.0.1");
  process.stdout.write(`${server.addresses()[0].port}\n`);
  await running;
}
