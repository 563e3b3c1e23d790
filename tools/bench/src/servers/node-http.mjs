// Hello-world on node:http (the baseline every ratio is against).
import http from "node:http";

const port = Number(process.argv[2]);
const body = Buffer.from("Hello, world");
http
  .createServer({ keepAliveTimeout: 120_000 }, (_req, res) => {
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": body.length });
    res.end(body);
  })
  .listen(port, "127.0.0.1", () => process.send?.("ready"));
