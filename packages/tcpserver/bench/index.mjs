// Bench driver: our echo server vs node:net's, each in its own process, driven by one client process.
// Two runs, medians printed with ratios. Loopback only; every phase bounded in count and time.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const RUNS = 2;

function run(script, args = []) {
  const child = spawn(process.execPath, [`${here}${script}`, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
  });
  return { child, output: () => out };
}

async function waitFor(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`${what} timed out`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function measure(serverScript) {
  const server = run(serverScript);
  try {
    const port = await waitFor(() => server.output().match(/port (\d+)/)?.[1], 10_000, "server");
    const client = run("client.mjs", [port]);
    const code = await Promise.race([
      new Promise((r) => client.child.once("exit", r)),
      new Promise((_, rej) => setTimeout(() => rej(new Error("client timed out")), 60_000)),
    ]);
    if (code !== 0) throw new Error(`client exited with ${code}`);
    return JSON.parse(client.output());
  } finally {
    server.child.kill("SIGKILL");
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const results = { t: [], net: [] };
for (let i = 0; i < RUNS; i++) {
  results.t.push(await measure("echo-t.mjs"));
  results.net.push(await measure("echo-net.mjs"));
}
console.log(`node ${process.version}, ${RUNS} runs, medians`);
for (const key of ["roundTripsPerSec", "acceptsPerSec"]) {
  const t = median(results.t.map((r) => r[key]));
  const n = median(results.net.map((r) => r[key]));
  console.log(
    `${key.padEnd(18)} @t/tcpserver ${t.toFixed(0).padStart(8)}  node:net ${n.toFixed(0).padStart(8)}  ratio ${(t / n).toFixed(2)}`,
  );
}
