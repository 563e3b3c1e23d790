// Keep-alive requests of @t/httpclient against a @t/httpserver hello in one process, for
// instruction counts (bench/instructions.sh). Usage: node bench/micro.mjs <depth> <requests> <warm>
// HTTPCLIENT_ROOT=<checkout> counts another build's packages instead of this workspace's.
// Loopback only; bounded by the request count.
const [depthArg, nArg, warmArg] = process.argv.slice(2);
const root = process.env.HTTPCLIENT_ROOT;
const { AsyncHTTPClient } = await import(
  root ? `${root}/packages/httpclient/dist/index.js` : "@t/httpclient"
);
const { HTTPHeaders, HTTPServer } = await import(
  root ? `${root}/packages/httpserver/dist/index.js` : "@t/httpserver"
);
const body = Buffer.from("Hello, world");
const server = new HTTPServer((req) => {
  req.connection.writeHeaders(
    { code: 200 },
    new HTTPHeaders({ "Content-Type": "text/plain" }),
    body,
  );
  req.connection.finish();
});
await server.listen(0, "127.0.0.1");
const url = `http://127.0.0.1:${server.addresses()[0].port}/`;
const client = new AsyncHTTPClient({
  defaults: { requestTimeoutMs: 60_000, connectTimeoutMs: 60_000 },
});
const depth = Number(depthArg ?? 1);

async function run(n) {
  let left = n;
  const lane = async () => {
    while (left > 0) {
      left--;
      const r = await client.fetch(url);
      if (r.code !== 200) throw new Error(`status ${r.code}`);
    }
  };
  const lanes = [];
  for (let i = 0; i < depth; i++) lanes.push(lane());
  await Promise.all(lanes);
}
await run(Number(warmArg ?? 5000));
await run(Number(nArg ?? 1000));
process.exit(0);
