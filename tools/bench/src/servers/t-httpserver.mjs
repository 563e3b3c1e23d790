// Hello-world on @t/httpserver: DESIGN §7's example, verbatim in spirit.
import { HTTPHeaders, HTTPServer } from "@t/httpserver";
import { IOLoop } from "@t/ioloop";

const port = Number(process.argv[2]);
const body = Buffer.from("Hello, world");
const server = new HTTPServer((req) => {
  req.connection.writeHeaders(
    { code: 200, reason: "OK" },
    new HTTPHeaders({ "Content-Type": "text/plain" }),
    body,
  );
  req.connection.finish();
});
await server.listen(port, "127.0.0.1");
process.send?.("ready");
await IOLoop.current().start();
