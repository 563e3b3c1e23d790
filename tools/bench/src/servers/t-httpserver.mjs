// Hello-world on @t/httpserver: DESIGN §7's example, verbatim in spirit.
// Arguments: port [key.pem cert.pem] — with a key and certificate it serves HTTPS (TLS 1.3 only).
import { readFileSync } from "node:fs";
import { HTTPHeaders, HTTPServer } from "@t/httpserver";
import { IOLoop } from "@t/ioloop";

const [port, keyFile, certFile] = process.argv.slice(2);
const body = Buffer.from("Hello, world");
const ssl = keyFile
  ? { key: readFileSync(keyFile), cert: readFileSync(certFile), minVersion: "TLSv1.3" }
  : undefined;
const server = new HTTPServer(
  (req) => {
    req.connection.writeHeaders(
      { code: 200, reason: "OK" },
      new HTTPHeaders({ "Content-Type": "text/plain" }),
      body,
    );
    req.connection.finish();
  },
  ssl ? { ssl } : {},
);
await server.listen(Number(port), "127.0.0.1");
process.send?.("ready");
await IOLoop.current().start();
