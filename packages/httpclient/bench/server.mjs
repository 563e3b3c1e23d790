// Bench server child: an @t/httpserver hello world on 127.0.0.1; prints its port on stdout.

import { HTTPHeaders, HTTPServer } from "@t/httpserver";
import { IOLoop } from "@t/ioloop";

process.on("SIGTERM", () => process.exit(0));
process.on("SIGINT", () => process.exit(0));
const BODY = Buffer.from("Hello, world");
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
