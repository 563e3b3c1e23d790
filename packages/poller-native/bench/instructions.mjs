// bench/instructions.mjs: instructions per hot call and per batch dispatch, counted by callgrind on a fixed workload.
//
// Run: pnpm --filter @t/poller-native bench:instructions   (after build; needs valgrind).
// For each scenario it runs the workload twice under `valgrind --tool=callgrind` (node
// --single-threaded, so that no compiler thread adds noise), with SHORT and LONG iterations,
// and prints (LONG - SHORT) / (LONG_N - SHORT_N) for: the whole process (`total`), the C++
// side of the call as N-API sees it (`invoke`: v8impl's FunctionCallbackWrapper::Invoke,
// which wraps every addon function), and the addon's own entry point (`entry`: the
// napi_callback it registered, whatever the dialect names it). Subtracting the short run
// removes start-up, warm-up and set-up. Counts are user-space instructions; the kernel's
// share of a system call is not in them.
//
// `node bench/instructions.mjs --run <scenario> <iterations>` is the workload alone.
// Binaries built with `--strip` (the prebuild) have no local symbols: build with
// `node-gyp rebuild` for `entry` to be found. Loopback only, bounded in count.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** scenario -> [short, long] iteration counts, and the entry points counted. */
const SCENARIOS = {
  noop: { n: [10_000, 210_000], entries: ["Noop"] },
  read: { n: [10_000, 110_000], entries: ["Read"] },
  write: { n: [10_000, 110_000], entries: ["Write"] },
  writev: { n: [10_000, 110_000], entries: ["Writev"] },
  accept: { n: [10_000, 110_000], entries: ["Accept"] },
  connect: { n: [1_000, 6_000], entries: ["Connect", "Accept", "Socket", "Close"] },
  dispatch1: { n: [5_000, 45_000], entries: ["Dispatch"] },
  dispatch64: { n: [2_000, 12_000], entries: ["Dispatch"] },
};

async function workload(name, n) {
  const p = await import("../dist/index.js");
  const buf = Buffer.alloc(64);
  const sink = Buffer.alloc(1 << 16);
  const drain = (fd) => {
    while (p.read(fd, sink, 0, sink.length) > 0);
  };
  switch (name) {
    case "noop":
      for (let i = 0; i < n; i++) p.noop();
      return;
    case "read": {
      const [r] = p.pipe();
      for (let i = 0; i < n; i++) p.read(r, buf, 0, 64);
      return;
    }
    case "write": {
      const [a, b] = p.socketpair();
      const one = Buffer.from("x");
      for (let i = 0; i < n; i++) {
        p.write(a, one, 0, 1);
        if ((i & 127) === 127) drain(b);
      }
      return;
    }
    case "writev": {
      const [a, b] = p.socketpair();
      const parts = [1, 2, 3, 4].map((v) => Buffer.alloc(16, v));
      for (let i = 0; i < n; i++) {
        p.writev(a, parts);
        if ((i & 127) === 127) drain(b);
      }
      return;
    }
    case "accept": {
      // The call a server makes after the last pending connection: -EAGAIN.
      const l = p.socket(4);
      p.bind(l, "127.0.0.1", 0);
      p.listen(l, 16);
      const peer = Buffer.alloc(p.SOCKADDR_SIZE);
      for (let i = 0; i < n; i++) p.accept(l, peer);
      return;
    }
    case "connect": {
      // A whole loopback connection: socket, connect (-EINPROGRESS), accept, close both.
      const l = p.socket(4);
      p.bind(l, "127.0.0.1", 0);
      p.listen(l, 64);
      const { port } = p.getsockname(l);
      const peer = Buffer.alloc(p.SOCKADDR_SIZE);
      for (let i = 0; i < n; i++) {
        const s = p.socket(4);
        p.connect(s, "127.0.0.1", port);
        let c = p.accept(l, peer);
        while (c < 0) c = p.accept(l, peer); // the handshake is done by now on loopback
        p.close(c);
        p.close(s);
      }
      return;
    }
    case "dispatch1":
    case "dispatch64": {
      // N descriptors stay readable (nothing reads them): every loop turn is one batch.
      const fds = name === "dispatch1" ? 1 : 64;
      const pairs = Array.from({ length: fds }, () => p.socketpair());
      let batches = 0;
      let sum = 0;
      await new Promise((resolve) => {
        const poller = new p.Poller((count) => {
          const ev = poller.events;
          for (let i = 0; i < count; i++) {
            const fd = ev[2 * i];
            if (fd !== -1) sum += fd;
          }
          if (++batches === n) {
            poller.close();
            resolve();
          }
        });
        for (const [x, y] of pairs) {
          poller.add(x, p.READ);
          p.write(y, buf, 0, 1);
        }
        poller.start();
      });
      if (sum === 0) throw new Error("no events");
      return;
    }
    default:
      throw new Error(`unknown scenario ${name}`);
  }
}

/** Inclusive instruction counts of the functions we report, from one callgrind run. */
function measure(name, n, entries) {
  const dir = mkdtempSync(join(tmpdir(), "poller-cg-"));
  const out = join(dir, "callgrind.out");
  try {
    const run = spawnSync(
      "valgrind",
      [
        "--tool=callgrind",
        `--callgrind-out-file=${out}`,
        process.execPath,
        "--single-threaded",
        fileURLToPath(import.meta.url),
        "--run",
        name,
        String(n),
      ],
      { encoding: "utf8", timeout: 600_000 },
    );
    if (run.status !== 0) throw new Error(`callgrind ${name} ${n}: ${run.stderr.slice(-2000)}`);
    const ann = spawnSync("callgrind_annotate", ["--inclusive=yes", "--threshold=100", out], {
      encoding: "utf8",
      maxBuffer: 1 << 28,
    });
    if (ann.status !== 0) throw new Error(`callgrind_annotate: ${ann.stderr}`);
    const lines = ann.stdout.split("\n");
    const count = (re) => {
      let sum = 0;
      for (const line of lines) {
        const m = /^\s*([\d,]+)\s+\([^)]*\)\s+(.*)$/.exec(line);
        if (m && re.test(m[2])) sum += Number(m[1].replaceAll(",", ""));
      }
      return sum;
    };
    // The entry point: raw N-API names the function itself, node-addon-api the
    // TemplatedCallback<&...Name> trampoline around it; both take (napi_env, napi_callback_info).
    const dispatch = entries[0] === "Dispatch";
    const entryRe = (entry) =>
      dispatch
        ? /tpoller::PollerHandle::Dispatch\(\) \[/
        : new RegExp(`\\b${entry}\\b.*\\(napi_env__\\*, napi_callback_info__\\*\\) \\[`);
    const result = {
      total: count(/^PROGRAM TOTALS/),
      invoke: dispatch
        ? count(/:napi_make_callback \[/)
        : count(/FunctionCallbackWrapper::Invoke\(v8::FunctionCallbackInfo<v8::Value> const&\) \[/),
    };
    for (const e of entries) result[e] = count(entryRe(e));
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "--run") {
  await workload(process.argv[3], Number(process.argv[4]));
} else {
  const only = process.argv.slice(2);
  const names = only.length > 0 ? only : Object.keys(SCENARIOS);
  console.log(
    "instructions per call (per batch for dispatch*: invoke = napi_make_callback, Dispatch = PollerHandle::Dispatch)",
  );
  console.log(
    `${"scenario".padEnd(12)} ${"total".padStart(9)} ${"invoke".padStart(9)}  entry points`,
  );
  for (const name of names) {
    const { n, entries } = SCENARIOS[name];
    const a = measure(name, n[0], entries);
    const b = measure(name, n[1], entries);
    const per = (k) => ((b[k] - a[k]) / (n[1] - n[0])).toFixed(1);
    const parts = entries.map((e) => `${e} ${per(e)}`).join(", ");
    console.log(
      `${name.padEnd(12)} ${per("total").padStart(9)} ${per("invoke").padStart(9)}  ${parts}`,
    );
  }
}
