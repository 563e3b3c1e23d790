// The command line: flags (and their environment variables) of `node src/main.mjs`, parsed with commander.

import { Command, InvalidArgumentError, Option } from "commander";

/**
 * @param {number} min
 * @param {number} max
 */
function intIn(min, max) {
  return (/** @type {string} */ value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer in ${min}..${max}`);
    }
    return n;
  };
}

/**
 * A redis:// or rediss:// URL with a host (checked here, so a typo is a flag error, not a stack).
 * @param {string} value
 */
export function redisUrl(value) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("expected a URL like redis://127.0.0.1:6379/0");
  }
  if ((url.protocol !== "redis:" && url.protocol !== "rediss:") || url.hostname === "") {
    throw new InvalidArgumentError(
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

/** The commander program (exported for `--help` tests). */
export function makeProgram() {
  return new Command()
    .name("t-demo")
    .description(
      "The @t demo server: hello, chat (long-poll and WebSocket), upload, login, /healthz, /metrics",
    )
    .addOption(
      new Option("--host <address>", "address to listen on").env("HOST").default("127.0.0.1"),
    )
    .addOption(
      new Option("-p, --port <port>", "port to listen on (0 picks a free one)")
        .env("PORT")
        .argParser(intIn(0, 65535))
        .default(8888),
    )
    .addOption(
      new Option(
        "--processes <n>",
        "pre-forked worker processes sharing the port (0 = one per CPU)",
      )
        .env("DEMO_PROCESSES")
        .argParser(intIn(0, 256))
        .default(1),
    )
    .addOption(
      new Option("--redis <url>", "share the chat through Redis pub/sub (redis://host:port/db)")
        .env("REDIS_URL")
        .argParser(redisUrl),
    )
    .addOption(
      new Option("--redis-channel <name>", "Redis channel (and history key prefix) of the chat")
        .env("DEMO_REDIS_CHANNEL")
        .default("t-demo:chat"),
    )
    .addOption(
      new Option(
        "--xheaders",
        "trust X-Real-IP/X-Forwarded-For/X-Scheme (only behind a proxy)",
      ).env("DEMO_XHEADERS"),
    )
    .addOption(
      new Option(
        "--cookie-secret <secret>",
        "signs login cookies; give every instance the same one (default: random per start)",
      ).env("DEMO_COOKIE_SECRET"),
    )
    .addOption(
      new Option(
        "--instance <name>",
        "name shown in X-Instance and /healthz (default host:pid)",
      ).env("DEMO_INSTANCE"),
    )
    .addOption(
      new Option(
        "--upload-dir <dir>",
        "where uploads are stored (default $TMPDIR/t-demo-uploads)",
      ).env("DEMO_UPLOAD_DIR"),
    )
    .addOption(
      new Option("--max-upload-mb <mib>", "largest upload in MiB")
        .env("DEMO_MAX_UPLOAD_MB")
        .argParser(intIn(1, 1024 * 1024))
        .default(100),
    )
    .addOption(
      new Option(
        "--max-upload-total-mb <mib>",
        "disk quota of the kept uploads in MiB (oldest deleted to make room; at least --max-upload-mb)",
      )
        .env("DEMO_MAX_UPLOAD_TOTAL_MB")
        .argParser(intIn(1, 1024 * 1024))
        .default(256),
    )
    .addOption(
      new Option("--max-long-polls <n>", "chat long polls waiting at once; one more gets 503")
        .env("DEMO_MAX_LONG_POLLS")
        .argParser(intIn(1, 1_000_000))
        .default(1000),
    )
    .addOption(
      new Option(
        "--chat-max-buffered-kb <kib>",
        "a chat WebSocket with more KiB than this waiting to be sent is closed",
      )
        .env("DEMO_CHAT_MAX_BUFFERED_KB")
        .argParser(intIn(1, 1024 * 1024))
        .default(1024),
    )
    .addOption(
      new Option(
        "--max-write-buffer-mb <mib>",
        "MiB any connection may queue for the kernel; a write beyond it closes the connection",
      )
        .env("DEMO_MAX_WRITE_BUFFER_MB")
        .argParser(intIn(1, 1024 * 1024))
        .default(16),
    )
    .addOption(
      new Option("--poll-timeout <seconds>", "a chat long poll answers empty after this long")
        .argParser(intIn(1, 3600))
        .default(25),
    )
    .addOption(
      new Option("--shutdown-timeout <seconds>", "on SIGTERM, how long in-flight requests may take")
        .argParser(intIn(0, 3600))
        .default(10),
    )
    .addOption(
      new Option("--debug", "no template cache, tracebacks in error pages").env("DEMO_DEBUG"),
    )
    .addOption(new Option("--no-access-log", "do not log a line per request"))
    .addOption(
      new Option("--log-level <level>", "log level")
        .env("T_LOG_LEVEL")
        .choices(["debug", "info", "warn", "error", "silent"])
        .default("info"),
    )
    .allowExcessArguments(false);
}

/**
 * Parse `argv` (as `process.argv`). Exits with a usage message on bad flags.
 * @param {string[]} argv
 * @returns {CliOptions}
 */
export function parseCli(argv) {
  const program = makeProgram();
  // `pnpm start -- --port 9000` hands the script a literal "--" before the flags: drop it.
  const args = argv[2] === "--" ? [...argv.slice(0, 2), ...argv.slice(3)] : argv;
  program.parse(args);
  return /** @type {CliOptions} */ (program.opts());
}
