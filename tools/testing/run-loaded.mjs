#!/usr/bin/env node
// `pnpm test:loaded`: the whole suite while a busy loop saturates every core, to prove that no
// test depends on the machine's speed. The hogs are bounded (30 min) and killed when the
// suite ends; the exit code is the suite's.

import { spawn } from "node:child_process";
import { availableParallelism } from "node:os";

const HOG_LIMIT_MS = 30 * 60 * 1000;
const cores = availableParallelism();
const hogs = [];
for (let i = 0; i < cores; i++) {
  hogs.push(
    spawn(
      process.execPath,
      ["-e", `const end = Date.now() + ${HOG_LIMIT_MS}; let x = 0; while (Date.now() < end) x++;`],
      { stdio: "ignore" },
    ),
  );
}
process.stderr.write(`[test:loaded] ${cores} busy loop(s) running; starting pnpm test\n`);

const stopHogs = () => {
  for (const h of hogs) h.kill("SIGKILL");
};
process.on("SIGINT", () => {
  stopHogs();
  process.exit(130);
});

const suite = spawn("pnpm", ["test", ...process.argv.slice(2)], { stdio: "inherit" });
suite.on("exit", (code, signal) => {
  stopHogs();
  process.stderr.write(`[test:loaded] suite finished: ${signal ?? `exit ${code}`}\n`);
  process.exit(code ?? 1);
});
