// Fetch from a local @t/httpserver with @t/httpclient, then stop. Run: node examples/fetch.mjs
import { AsyncHTTPClient } from "@t/httpclient";
import { HTTPHeaders, HTTPServer } from "@t/httpserver";

const server = new HTTPServer((req) => {
  const body = JSON.stringify({ path: req.path, method: req.method });
  req.connection.writeHeaders(
    { code: 200 },
    new HTTPHeaders({ "Content-Type": "application/json" }),
    body,
  );
  req.connection.finish();
});
await server.listen(0, "127.0.0.1"); // serving now (listen starts the IOLoop)
const url = `http://127.0.0.1:${server.addresses()[0].port}`;

const client = new AsyncHTTPClient({ defaults: { requestTimeoutMs: 5000 } });
try {
  const res = await client.fetch(`${url}/hello`);
  console.log(res.code, res.headers.get("content-type"), res.json());
  // Errors are classes with a stable `code`; non-2xx statuses raise HTTPClientError.
  const posted = await client.fetch(`${url}/items`, { method: "POST", body: "{}" });
  console.log(posted.code, posted.text());
  console.log(client.stats()); // one keep-alive connection served both requests
} finally {
  client.close();
  await server.shutdown(); // nothing left: the process exits by itself
}
