// Entry point: `node src/main.mjs [flags]` — bind, optionally pre-fork, serve until SIGTERM/SIGINT.

import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDefaultLogger, IOLoop } from "@t/ioloop";
import { installSignalHandlers, taskId } from "@t/tcpserver";
import { createDemo } from "./app.mjs";
import { parseCli } from "./cli.mjs";

const cli = parseCli(process.argv);
if (cli.maxUploadMb > cli.maxUploadTotalMb) {
  console.error(
    `error: --max-upload-mb (${cli.maxUploadMb}) must not exceed --max-upload-total-mb (${cli.maxUploadTotalMb})`,
  );
  process.exit(1);
}
const logger = createDefaultLogger("demo", { level: /** @type {any} */ (cli.logLevel) });
const loop = new IOLoop({ makeCurrent: true, logger });

// Every process must sign cookies with the same key: a random one is made once, in the parent,
// and reaches the pre-forked children through the environment they inherit.
if (cli.cookieSecret === undefined) {
  if (process.env.DEMO_COOKIE_SECRET === undefined) {
    process.env.DEMO_COOKIE_SECRET = randomBytes(32).toString("base64url");
    if (taskId() === null) {
      logger.info("no --cookie-secret: logins last until this server stops");
    }
  }
  cli.cookieSecret = process.env.DEMO_COOKIE_SECRET;
}

// Pre-forked, the workers sum their metrics through Unix sockets in one private directory, made
// once in the parent (before forking) and removed when the parent exits.
if (cli.processes !== 1 && process.env.DEMO_METRICS_DIR === undefined) {
  const dir = mkdtempSync(join(tmpdir(), "t-demo-metrics-"));
  process.env.DEMO_METRICS_DIR = dir;
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
}

const worker = taskId() ?? 0;
const instanceBase = cli.instance ?? null;
const demo = createDemo(
  {
    redis: cli.redis ?? null,
    redisChannel: cli.redisChannel,
    xheaders: cli.xheaders === true,
    cookieSecret: cli.cookieSecret,
    instance:
      instanceBase === null
        ? null
        : cli.processes === 1
          ? instanceBase
          : `${instanceBase}/${worker}`,
    worker,
    uploadDir: cli.uploadDir,
    maxUploadBytes: cli.maxUploadMb * 1024 * 1024,
    maxUploadTotalBytes: cli.maxUploadTotalMb * 1024 * 1024,
    maxLongPolls: cli.maxLongPolls,
    chatMaxBufferedBytes: cli.chatMaxBufferedKb * 1024,
    maxWriteBufferBytes: cli.maxWriteBufferMb * 1024 * 1024,
    pollTimeoutMs: cli.pollTimeout * 1000,
    debug: cli.debug === true,
    accessLog: cli.accessLog,
    metricsPeersDir: cli.processes !== 1 ? (process.env.DEMO_METRICS_DIR ?? null) : null,
  },
  loop,
);
const { server } = demo;

// Bind before forking: the children inherit this socket and share its accept queue.
try {
  await server.bind(cli.port, cli.host);
} catch (err) {
  // A BindError says which address and why in one line; add the flags that change it.
  const e = /** @type {Error & { code?: string }} */ (err);
  if (e.code !== "EADDRINUSE" && e.code !== "EACCES" && e.code !== "EADDRNOTAVAIL") throw err;
  console.error(
    `error: ${e.message}\n(choose another with --port <n> or PORT=<n>, --host <address>)`,
  );
  process.exit(1);
}
const { address, port } = server.addresses()[0];
const origin = `http://${address.includes(":") ? `[${address}]` : address}:${port}`;
if (cli.processes !== 1) {
  if (taskId() === null) {
    if (!cli.redis) {
      logger.warn("several processes without --redis: each worker has its own chat room");
    }
    console.log(`listening on ${origin} (${cli.processes || "one per CPU"} processes)`);
  }
  // Never resolves in the parent, which supervises the workers and forwards SIGTERM to them.
  await server.start(cli.processes, { maxRestarts: 10 });
}

try {
  await demo.startServices();
} catch (err) {
  // One line: the cause is in the message (e.g. ECONNREFUSED for --redis), no stack.
  console.error(`error: cannot start: ${/** @type {Error} */ (err).message}`);
  process.exit(1);
}
if (cli.processes === 1) await server.start(1);
installSignalHandlers(server, { deadlineMs: cli.shutdownTimeout * 1000 });
if (cli.processes === 1) console.log(`listening on ${origin}`);
else logger.info(`worker ${worker} (pid ${process.pid}) serving ${origin}`);
await loop.start();
