// Hello-world on node:https (TLS 1.3 only); arguments: port key.pem cert.pem.
import { readFileSync } from "node:fs";
import https from "node:https";

const [port, keyFile, certFile] = process.argv.slice(2);
const body = Buffer.from("Hello, world");
https
  .createServer(
    {
      key: readFileSync(keyFile),
      cert: readFileSync(certFile),
      minVersion: "TLSv1.3",
      keepAliveTimeout: 120_000,
    },
    (_req, res) => {
      res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": body.length });
      res.end(body);
    },
  )
  .listen(Number(port), "127.0.0.1");
