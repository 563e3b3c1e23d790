// Example RPC server: serves rpc-functions.mjs, pushes ticks to subscribed clients, and shuts
// down gracefully on SIGTERM/SIGINT. Run: PORT=5700 [RPC_SECRET=…] node server.mjs

import { pathToFileURL } from "node:url";
import { IOLoop, PeriodicCallback } from "@t/ioloop";
import { RpcServer } from "@t/rpc";
import { installSignalHandlers } from "@t/tcpserver";
import * as rpcFunctions from "./rpc-functions.mjs";

/** Most ticks one subscription may ask for. */
const MAX_TICKS = 1000;
/** Shortest tick interval a subscription may ask for, ms. */
const MIN_TICK_INTERVAL_MS = 10;

/** Build the server: functions from the module, plus a server-push subscription. */
export function createServer(options = {}) {
  const server = new RpcServer(options);
  server.registerModule(rpcFunctions);
  // Server push: the client asks for `count` ticks; the server calls the client's "tick"
  // handler by client id every `intervalMs`, then resolves the subscription.
  // The client chooses count and interval within bounds; the ticks stop when the call is
  // abandoned (handler timeout, client gone: ctx.signal).
  server.register(
    "subscribeTicks",
    (ctx, count, intervalMs) => {
      if (!Number.isInteger(count) || count < 1 || count > MAX_TICKS) {
        throw new RangeError(`count must be an integer in 1..${MAX_TICKS}`);
      }
      if (typeof intervalMs !== "number" || !(intervalMs >= MIN_TICK_INTERVAL_MS)) {
        throw new RangeError(`intervalMs must be a number >= ${MIN_TICK_INTERVAL_MS}`);
      }
      return new Promise((resolve, reject) => {
        let n = 0;
        const timer = new PeriodicCallback(async () => {
          n++;
          if (n >= count) timer.stop();
          try {
            await server.call(ctx.clientId, "tick", n);
            if (n >= count) resolve(n);
          } catch (err) {
            timer.stop();
            reject(err);
          }
        }, intervalMs);
        ctx.signal.addEventListener("abort", () => timer.stop(), { once: true });
        timer.start();
      });
    },
    { context: true },
  );
  server.on("connect", (clientId, address) =>
    console.log(`client ${clientId} connected from ${address.address}:${address.port}`),
  );
  server.on("disconnect", (clientId) => console.log(`client ${clientId} disconnected`));
  return server;
}

async function main() {
  const loop = IOLoop.current();
  // RPC_SECRET set: every client must prove it (HMAC of the server's challenge).
  const server = createServer(process.env.RPC_SECRET ? { secret: process.env.RPC_SECRET } : {});
  const port = Number(process.env.PORT ?? 5700);
  const host = process.env.HOST ?? "127.0.0.1";
  await server.listen(port, host);
  installSignalHandlers(server, { deadlineMs: 5000 });
  const bound = server.addresses()[0];
  console.log(`listening on ${bound.address}:${bound.port}`);
  await loop.start();
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
