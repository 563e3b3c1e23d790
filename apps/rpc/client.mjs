// Example RPC client: calls sum and the other functions, then subscribes to server-pushed ticks.
// Run (with server.mjs running): PORT=5700 [RPC_SECRET=…] node client.mjs

import { IOLoop } from "@t/ioloop";
import { RpcClient, RpcRemoteError } from "@t/rpc";

const host = process.env.HOST ?? "127.0.0.1";
const port = Number(process.env.PORT ?? 5700);
const ticks = Number(process.env.TICKS ?? 3);

const loop = new IOLoop();
loop.makeCurrent();
await loop.runSync(
  async () => {
    const client = new RpcClient({
      clientId: process.env.CLIENT_ID ?? "example-client",
      // Must match the server's RPC_SECRET when it has one.
      secret: process.env.RPC_SECRET || undefined,
    });
    const received = [];
    client.register("tick", (n) => {
      received.push(n);
      console.log(`tick ${n} from the server`);
      return "ok";
    });
    await client.connect(host, port);
    console.log(`sum(1, 2) = ${await client.call("sum", 1, 2)}`);
    console.log(
      `slowReverse("stressed") = ${await client.apply("slowReverse", ["stressed", 5], { timeoutMs: 2000 })}`,
    );
    try {
      await client.call("fail", "on purpose");
    } catch (err) {
      if (!(err instanceof RpcRemoteError)) throw err;
      console.log(`fail() -> ${err.remoteName} ${err.remoteCode}: ${err.message}`);
    }
    const done = await client.apply("subscribeTicks", [ticks, 20], { timeoutMs: 10_000 });
    console.log(`subscription done after ${done} ticks (${received.join(",")})`);
    client.close();
  },
  { timeoutMs: 20_000 },
);
loop.close();
