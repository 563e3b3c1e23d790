// The command line: flags (and their environment variables) of `node src/main.mjs`, parsed with @t/options.

import { OptionParser } from "@t/options";

/**
 * A redis:// or rediss:// URL with a host (checked here, so a typo is a flag error, not a stack).
 * @param {string} value
 */
export function redisUrl(value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new Error("expected a URL like redis://127.0.0.1:6379/0");
  }
  if ((url.protocol !== "redis:" && url.protocol !== "rediss:") || url.hostname === "") {
    throw new Error(
      "expected a redis:// or rediss:// URL with a host, like redis://127.0.0.1:6379/0",
    );
  }
  return value;
}

/**
 * @typedef {object} CliOptions
 * @property {string} host
 * @property {number} port
 * @property {number} processes
 * @property {string | undefined} redis
 * @property {string} redisChannel
 * @property {boolean} xheaders
 * @property {string | undefined} cookieSecret
 * @property {string | undefined} instance
 * @property {string | undefined} uploadDir
 * @property {number} maxUploadMb
 * @property {number} maxUploadTotalMb
 * @property {number} maxLongPolls
 * @property {number} chatMaxBufferedKb
 * @property {number} maxWriteBufferMb
 * @property {number} pollTimeout       seconds
 * @property {number} shutdownTimeout   seconds
 * @property {boolean} debug
 * @property {boolean} accessLog
 * @property {string} logLevel
 */

/**
 * The demo's options, defined on an OptionParser of their own (so that tests can make several):
 * `--help` is generated from these definitions, each flag's environment variable is read by
 * @t/options, and a bad value exits with commander's "option '--x <v>' argument … is invalid".
 */
export function makeOptions() {
  const p = new OptionParser({
    name: "t-demo",
    description:
      "The @t demo server: hello, chat (long-poll and WebSocket), upload, login, /healthz, /metrics",
    allowExcessArguments: false,
  });
  p.define("host", {
    type: "string",
    default: "127.0.0.1",
    env: "HOST",
    metavar: "address",
    help: "address to listen on",
  });
  p.define("port", {
    type: "int",
    default: 8888,
    min: 0,
    max: 65535,
    env: "PORT",
    short: "p",
    help: "port to listen on (0 picks a free one)",
  });
  p.define("processes", {
    type: "int",
    default: 1,
    min: 0,
    max: 256,
    env: "DEMO_PROCESSES",
    metavar: "n",
    help: "pre-forked worker processes sharing the port (0 = one per CPU)",
  });
  p.define("redis", {
    type: "string",
    env: "REDIS_URL",
    metavar: "url",
    parse: redisUrl,
    help: "share the chat through Redis pub/sub (redis://host:port/db)",
  });
  p.define("redisChannel", {
    type: "string",
    default: "t-demo:chat",
    env: "DEMO_REDIS_CHANNEL",
    metavar: "name",
    help: "Redis channel (and history key prefix) of the chat",
  });
  p.define("xheaders", {
    type: "boolean",
    env: "DEMO_XHEADERS",
    help: "trust X-Real-IP/X-Forwarded-For/X-Scheme (only behind a proxy)",
  });
  p.define("cookieSecret", {
    type: "string",
    env: "DEMO_COOKIE_SECRET",
    metavar: "secret",
    help: "signs login cookies; give every instance the same one (default: random per start)",
  });
  p.define("instance", {
    type: "string",
    env: "DEMO_INSTANCE",
    metavar: "name",
    help: "name shown in X-Instance and /healthz (default host:pid)",
  });
  p.define("uploadDir", {
    type: "string",
    env: "DEMO_UPLOAD_DIR",
    metavar: "dir",
    help: "where uploads are stored (default $TMPDIR/t-demo-uploads)",
  });
  p.define("maxUploadMb", {
    type: "int",
    default: 100,
    min: 1,
    max: 1024 * 1024,
    env: "DEMO_MAX_UPLOAD_MB",
    metavar: "mib",
    help: "largest upload in MiB",
  });
  p.define("maxUploadTotalMb", {
    type: "int",
    default: 256,
    min: 1,
    max: 1024 * 1024,
    env: "DEMO_MAX_UPLOAD_TOTAL_MB",
    metavar: "mib",
    help: "disk quota of the kept uploads in MiB (oldest deleted to make room; at least --max-upload-mb)",
  });
  p.define("maxLongPolls", {
    type: "int",
    default: 1000,
    min: 1,
    max: 1_000_000,
    env: "DEMO_MAX_LONG_POLLS",
    metavar: "n",
    help: "chat long polls waiting at once; one more gets 503",
  });
  p.define("chatMaxBufferedKb", {
    type: "int",
    default: 1024,
    min: 1,
    max: 1024 * 1024,
    env: "DEMO_CHAT_MAX_BUFFERED_KB",
    metavar: "kib",
    help: "a chat WebSocket with more KiB than this waiting to be sent is closed",
  });
  p.define("maxWriteBufferMb", {
    type: "int",
    default: 16,
    min: 1,
    max: 1024 * 1024,
    env: "DEMO_MAX_WRITE_BUFFER_MB",
    metavar: "mib",
    help: "MiB any connection may queue for the kernel; a write beyond it closes the connection",
  });
  p.define("pollTimeout", {
    type: "int",
    default: 25,
    min: 1,
    max: 3600,
    metavar: "seconds",
    help: "a chat long poll answers empty after this long",
  });
  p.define("shutdownTimeout", {
    type: "int",
    default: 10,
    min: 0,
    max: 3600,
    metavar: "seconds",
    help: "on SIGTERM, how long in-flight requests may take",
  });
  p.define("debug", {
    type: "boolean",
    env: "DEMO_DEBUG",
    help: "no template cache, tracebacks in error pages",
  });
  p.define("accessLog", { type: "boolean", default: true, help: "do not log a line per request" });
  p.define("logLevel", {
    type: "string",
    default: "info",
    env: "T_LOG_LEVEL",
    choices: ["debug", "info", "warn", "error", "silent"],
    metavar: "level",
    help: "log level",
  });
  return p;
}

/**
 * Parse `argv` (as `process.argv`). Exits with a usage message on bad flags.
 * @param {string[]} argv
 * @returns {CliOptions}
 */
export function parseCli(argv) {
  const options = makeOptions();
  // `pnpm start -- --port 9000` hands the script a literal "--" before the flags: drop it.
  const args = argv[2] === "--" ? [...argv.slice(0, 2), ...argv.slice(3)] : argv;
  options.parseCommandLine(args);
  return /** @type {CliOptions} */ (options.asObject());
}
