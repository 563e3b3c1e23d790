// Echo server child of the bench: `node server.mjs <kind>` with kind t | ws | uws | before.
// Prints its port, then answers each line on stdin with its process.cpuUsage() as JSON (µs,
// every thread of the process), so the parent reads the server's CPU exactly around a run.
//
// t: WebSocketHandler on an @t/web Application (this package's dist). before: the same on another
// build of the package, BENCH_BEFORE_DIR=<a packages/websocket directory with dist/ and
// node_modules/> (its own @t/web and @t/ioloop). ws: a `ws` WebSocketServer. uws: uWebSockets.js
// (`uwebsockets`, resolved from tools/bench where the workspace installs it).

import { createRequire } from "node:module";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";

const kind = process.argv[2];
const here = fileURLToPath(new URL(".", import.meta.url));

/** Start the server; resolves with its port. */
async function start() {
  if (kind === "t" || kind === "before") {
    const dir = kind === "t" ? `${here}..` : process.env.BENCH_BEFORE_DIR;
    if (dir === undefined) throw new Error("kind 'before' needs BENCH_BEFORE_DIR");
    const load = (path) => import(pathToFileURL(`${dir}/${path}`).href);
    const { WebSocketHandler } = await load("dist/index.js");
    const { Application } = await load("node_modules/@t/web/dist/index.js");
    const { createDefaultLogger } = await load("node_modules/@t/ioloop/dist/index.js");
    class Echo extends WebSocketHandler {
      onMessage(message) {
        this.writeMessage(message);
      }
    }
    const logger = createDefaultLogger("bench", { level: "warn" });
    const app = new Application([["/", Echo]], { logger });
    const server = await app.listen(0, "127.0.0.1", { logger });
    return server.addresses()[0].port;
  }
  if (kind === "ws") {
    const { WebSocketServer } = await import("ws");
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false });
    await new Promise((resolve) => wss.once("listening", resolve));
    wss.on("connection", (ws) => {
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
    return wss.address().port;
  }
  if (kind === "uws") {
    const require = createRequire(`${here}../../../tools/bench/package.json`);
    const uWS = require("uwebsockets");
    const app = uWS.App().ws("/*", {
      compression: uWS.DISABLED,
      maxPayloadLength: 16 * 1024 * 1024,
      maxBackpressure: 64 * 1024 * 1024,
      idleTimeout: 0,
      message: (ws, message, isBinary) => {
        ws.send(message, isBinary);
      },
    });
    return new Promise((resolve, reject) => {
      app.listen("127.0.0.1", 0, (token) => {
        if (token) resolve(uWS.us_socket_local_port(token));
        else reject(new Error("uWS could not listen"));
      });
    });
  }
  throw new Error(`unknown server kind ${kind}`);
}

const port = await start();
process.stdout.write(`${port}\n`);
createInterface({ input: process.stdin }).on("line", () => {
  process.stdout.write(`${JSON.stringify(process.cpuUsage())}\n`);
});
process.stdin.on("end", () => process.exit(0));
process.stdout.on("error", () => process.exit(0)); // the parent is gone
