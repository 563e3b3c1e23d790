// Benchmark: @t/httpclient vs undici (Pool.request and fetch) and node:http's keep-alive Agent —
// keep-alive GETs of a 12-byte body from the same @t/httpserver (a child process) on loopback, at
// concurrency 1 and 50. Each client runs in its own child process; prints requests/s and client
// CPU µs per request (process.cpuUsage), the median of RUNS runs, and ratios to undici request.
// Needs the packages built: `pnpm turbo run build --filter=@t/httpclient...`.

import { spawn } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const MAX_MS = Number(process.env.BENCH_MAX_MS ?? 8000);
const SCENARIOS = [
  { concurrency: 1, requests: 20_000 },
  { concurrency: 50, requests: 60_000 },
];
const CLIENTS = ["t", "undici-request", "undici-fetch", "node-http"];
const NAMES = {
  t: "@t/httpclient fetch",
  "undici-request": "undici Pool.request",
  "undici-fetch": "undici fetch",
  "node-http": "node:http Agent",
};

function child(args, what, timeoutMs) {
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  proc.stdout.on("data", (d) => {
    out += d;
  });
  return {
    proc,
    line: new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill("SIGKILL");
        reject(new Error(`${what} timed out`));
      }, timeoutMs);
      const check = () => {
        if (out.includes("\n")) {
          clearTimeout(timer);
          resolve(out.slice(0, out.indexOf("\n")));
        }
      };
      proc.stdout.on("data", check);
      proc.on("exit", (code) => {
        check();
        clearTimeout(timer);
        reject(new Error(`${what} exited with ${code}`));
      });
    }),
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const server = child([`${here}server.mjs`], "server", 10_000);
const port = Number(await server.line);
console.log(
  `client benchmark: keep-alive GET, 12-byte body, @t/httpserver on 127.0.0.1:${port}; ` +
    `${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), Node ${process.version}; median of ${RUNS} runs`,
);
try {
  for (const { concurrency, requests } of SCENARIOS) {
    const results = {};
    for (const kind of CLIENTS) results[kind] = [];
    for (let r = 0; r < RUNS; r++) {
      for (const kind of CLIENTS) {
        const c = child(
          [`${here}client.mjs`, kind, port, concurrency, requests, MAX_MS].map(String),
          kind,
          MAX_MS * 2 + 30_000,
        );
        results[kind].push(JSON.parse(await c.line));
      }
    }
    console.log(`\nconcurrency ${concurrency}:`);
    console.log("client                 req/s     CPU µs/req   CPU vs undici request");
    const base = median(results["undici-request"].map((x) => x.cpuUs / x.requests));
    for (const kind of CLIENTS) {
      const rps = median(results[kind].map((x) => (x.requests * 1000) / x.wallMs));
      const cpu = median(results[kind].map((x) => x.cpuUs / x.requests));
      console.log(
        `${NAMES[kind].padEnd(22)} ${Math.round(rps).toString().padStart(7)} ${cpu.toFixed(1).padStart(11)}   ${(cpu / base).toFixed(2)}×`,
      );
    }
  }
} finally {
  server.proc.kill("SIGTERM");
}
