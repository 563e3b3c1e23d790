// The README's Usage example: a hello-world server answering one fetch, then shutting down.
import { HTTPHeaders, HTTPServer } from "@t/httpserver";

const server = new HTTPServer(
  (req) => {
    req.connection.writeHeaders(
      { code: 200, reason: "OK" },
      new HTTPHeaders({ "Content-Type": "text/plain" }),
      Buffer.from(`Hello, ${req.arguments.name?.[0] ?? "world"}`),
    );
    req.connection.finish();
  },
  { xheaders: true },
);
await server.listen(0, "127.0.0.1"); // serving now (listen starts the IOLoop)

const { port } = server.addresses()[0];
const res = await fetch(`http://127.0.0.1:${port}/?name=reader`);
console.log(res.status, await res.text()); // 200 Hello, reader

await server.shutdown(); // nothing left to serve: the process exits by itself
