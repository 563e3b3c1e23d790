// createDemo: the routes, settings, chat backend, metrics and server of one demo process.

import { randomBytes } from "node:crypto";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MemoryChatBackend } from "./chat/memory-backend.mjs";
import { MessageBuffer } from "./chat/message-buffer.mjs";
import { RedisChatBackend } from "./chat/redis-backend.mjs";
import { DemoApplication } from "./demo-application.mjs";
import { DemoServer } from "./demo-server.mjs";
import { LoginHandler, LogoutHandler, ProfileHandler } from "./handlers/auth.mjs";
import { DemoStaticFileHandler, NotFoundHandler } from "./handlers/base.mjs";
import {
  ChatNewHandler,
  ChatPageHandler,
  ChatSocketHandler,
  ChatUpdatesHandler,
} from "./handlers/chat.mjs";
import { HealthHandler, LiveHandler, MetricsHandler } from "./handlers/health.mjs";
import { HelloHandler, HomeHandler } from "./handlers/hello.mjs";
import { LanguageHandler } from "./handlers/language.mjs";
import { createOidcLogin } from "./handlers/oidc-login.mjs";
import { TornadoProfileHandler } from "./handlers/tornado-profile.mjs";
import { UploadHandler, UploadListHandler, UploadPageHandler } from "./handlers/upload.mjs";
import { resolveLimits } from "./limits.mjs";
import { DemoMetrics } from "./metrics.mjs";
import { createTranslations } from "./translations.mjs";
import * as ui from "./ui-modules.mjs";
import { UploadStore } from "./upload-store.mjs";

/** The demo's static files (served under /static/ with `?v=` version hashes). */
export const STATIC_PATH = fileURLToPath(new URL("../static/", import.meta.url));
/** The demo's eta templates. */
export const TEMPLATE_PATH = fileURLToPath(new URL("../templates/", import.meta.url));

/**
 * @typedef {object} DemoOptions
 * @property {string | null} [redis]      redis:// URL; null keeps the chat in memory
 * @property {string} [redisChannel]      pub/sub channel (default "t-demo:chat")
 * @property {boolean} [xheaders]         trust X-Real-IP / X-Forwarded-For / X-Scheme (behind nginx)
 * @property {string} [cookieSecret]      signs the login cookie; random when absent
 * @property {string | null} [instance]   name in X-Instance and /healthz (default host:pid)
 * @property {number} [worker]            pre-fork task id (default 0)
 * @property {string} [uploadDir]         where uploads go (default $TMPDIR/t-demo-uploads); one
 *   directory per instance: at start the demo deletes the files its worker left there earlier
 * @property {number} [maxUploadBytes]    largest upload in bytes, 413 above (default 100 MiB)
 * @property {number} [maxUploadTotalBytes] bytes all kept uploads and the ones in progress may
 *   take; the oldest files are deleted to make room, 507 when an upload cannot fit next to the
 *   uploads in progress (default 256 MiB, at least maxUploadBytes)
 * @property {number} [maxUploadFiles]    uploads kept; older files are deleted (default 100)
 * @property {number} [chatMaxBufferedBytes] a chat WebSocket with more bytes than this waiting
 *   to be sent is closed with 1013 (default 1 MiB)
 * @property {number} [maxLongPolls]      long polls waiting at once; one more gets 503 (default 1000)
 * @property {number} [maxWriteBufferBytes] bytes any connection may queue for the kernel; a
 *   write beyond it closes the connection (default 16 MiB)
 * @property {number} [pollTimeoutMs]     a long poll answers [] after this long (default 25 000)
 * @property {boolean} [debug]            eta without cache, tracebacks in error pages
 * @property {boolean} [accessLog]        one log line per request (default true)
 * @property {number} [lagIntervalMs]     loop-lag sampling period (default 500)
 * @property {import("./handlers/oidc-login.mjs").OidcLoginOptions | null} [oidc] "Log in with …"
 *   an OpenID Connect provider at /login/oidc (default null: only the name form)
 * @property {string | null} [metricsPeersDir] pre-forked: the private directory where workers
 *   serve their metrics to each other, so /metrics sums all of them (default null: one process)
 */

/**
 * Build one demo process: Application, HTTPServer (not yet listening), chat buffer and
 * backend, metrics. Nothing touches the network until `startServices()`.
 * @param {DemoOptions} options
 * @param {import("@t/ioloop").IOLoop} loop
 */
export function createDemo(options, loop) {
  const worker = options.worker ?? 0;
  const limits = resolveLimits(options);
  const buffer = new MessageBuffer({ cacheSize: 200 });
  const logger = loop.logger;
  const backend = options.redis
    ? new RedisChatBackend({
        url: options.redis,
        buffer,
        channel: options.redisChannel,
        logger,
      })
    : new MemoryChatBackend({ buffer });
  /** @type {DemoServer | null} */
  let server = null;
  const metrics = new DemoMetrics({
    loop,
    worker: String(worker),
    peersDir: options.metricsPeersDir ?? null,
    lagIntervalMs: options.lagIntervalMs,
    openConnections: () => server?.connectionCount ?? 0,
  });
  /** @type {import("./handlers/base.mjs").DemoContext} */
  const context = {
    instance: options.instance ?? `${hostname()}:${process.pid}`,
    worker,
    buffer,
    backend,
    metrics,
    limits,
    maxUploadBytes: limits.maxUploadBytes,
    pollTimeoutMs: options.pollTimeoutMs ?? 25_000,
    uploads: new UploadStore({
      dir: options.uploadDir ?? join(tmpdir(), "t-demo-uploads"),
      maxFiles: limits.maxUploadFiles,
      maxTotalBytes: limits.maxUploadTotalBytes,
      worker,
    }),
    sockets: new Set(),
    shutdown: new AbortController(),
    startedAt: Date.now(),
    oidcLabel: null,
  };
  const oidcLogin = createOidcLogin(options.oidc);
  context.oidcLabel = oidcLogin.label;
  const app = new DemoApplication(
    [
      ["/", HomeHandler, {}, "home"],
      ["/hello", HelloHandler, {}, "hello"],
      ["/chat", ChatPageHandler, {}, "chat"],
      ["/chat/new", ChatNewHandler, {}, "chat_new"],
      ["/chat/updates", ChatUpdatesHandler, {}, "chat_updates"],
      ["/chat/socket", ChatSocketHandler, {}, "chat_socket"],
      ["/upload", UploadPageHandler, {}, "upload_page"],
      ["/upload/list", UploadListHandler, {}, "upload_list"],
      ["/upload/(.+)", UploadHandler, {}, "upload"],
      ["/login", LoginHandler, {}, "login"],
      ["/logout", LogoutHandler, {}, "logout"],
      ["/lang/([A-Za-z_]+)", LanguageHandler, {}, "lang"],
      ...oidcLogin.routes,
      ["/me", ProfileHandler, {}, "profile"],
      ["/me/tornado", TornadoProfileHandler, {}, "profile_tornado"],
      ["/healthz", HealthHandler, {}, "healthz"],
      ["/livez", LiveHandler, {}, "livez"],
      ["/metrics", MetricsHandler, {}, "metrics"],
    ],
    {
      debug: options.debug === true,
      cookieSecret: options.cookieSecret ?? randomBytes(32).toString("base64url"),
      xsrfCookies: true,
      loginUrl: "/login",
      staticPath: STATIC_PATH,
      staticHandlerClass: DemoStaticFileHandler,
      templatePath: TEMPLATE_PATH,
      // English and German (locale/de.csv); the chat message module and the `t` ui method.
      translations: createTranslations(),
      uiModules: ui,
      uiMethods: ui,
      compressResponse: true,
      defaultHandlerClass: NotFoundHandler,
      defaultHandlerArgs: { statusCode: 404 },
      websocketPingIntervalMs: 30_000,
      websocketMaxMessageSize: 64 * 1024,
      custom: { accessLog: options.accessLog !== false, demo: context },
    },
  );
  server = new DemoServer(app, context, {
    loop,
    xheaders: options.xheaders === true,
    maxBodySize: limits.maxUploadBytes,
    maxWriteBufferSize: limits.maxWriteBufferBytes,
  });
  const srv = server;
  srv.addShutdownHook(async () => {
    await metrics.stop();
    await backend.close();
    oidcLogin.close();
  });
  return {
    app,
    server: srv,
    context,
    /**
     * Create the upload directory (deleting this worker's leftovers), connect the chat
     * backend, start sampling loop lag.
     */
    async startServices() {
      await context.uploads.start();
      await backend.start();
      await metrics.start();
    },
  };
}
