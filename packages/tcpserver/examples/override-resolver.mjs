// Resolvers: reach a local server under a production-looking name, with cached lookups.
// Run: node examples/override-resolver.mjs
import { IOLoop } from "@t/ioloop";
import {
  CachingResolver,
  defaultResolver,
  OverrideResolver,
  TCPClient,
  TCPServer,
} from "@t/tcpserver";

const loop = new IOLoop({ makeCurrent: true });

await loop.runSync(async () => {
  const server = new TCPServer({
    handleStream: async (stream) => stream.write(await stream.readUntil("\n")),
  });
  await server.listen(0, "127.0.0.1");
  const { port } = server.addresses()[0];

  // api.example.com:443 now means 127.0.0.1:<port>, for this client only.
  const overrides = new OverrideResolver(defaultResolver, {
    "api.example.com:443": `127.0.0.1:${port}`,
  });
  const resolver = new CachingResolver(overrides, { ttlMs: 10_000 });
  const client = new TCPClient({ resolver });

  for (const word of ["hello", "again"]) {
    const stream = await client.connect("api.example.com", 443, { timeoutMs: 5000 });
    await stream.write(`${word}\n`);
    const reply = (await stream.readUntil("\n")).toString().trim();
    const peer = stream.peerAddress();
    console.log(`${reply} from ${peer.address} (cached answers: ${resolver.size})`);
    stream.close();
  }
  server.stop();
});
loop.close();
