// Starting a server under test in its own process pinned to one core, and stopping it.

import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import net from "node:net";

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Resolves once 127.0.0.1:port accepts a TCP connection; rejects after timeoutMs. */
async function waitForPort(port, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const c = net.connect(port, "127.0.0.1");
      c.once("connect", () => {
        c.destroy();
        resolve(true);
      });
      c.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server on port ${port} did not come up within ${timeoutMs} ms`);
}

/**
 * Starts `def` (a server definition: `cmd(port)` → [command, args, tmpDir?]) pinned to `core`
 * and waits until it listens. Returns { port, pid, stop() }; stop() ends it (SIGTERM, SIGKILL
 * after 3 s) and removes its temp dir.
 */
export async function startServer(def, core, cwd) {
  const port = await freePort();
  const [cmd, cmdArgs, tmpDir] = def.cmd(String(port));
  const child = spawn("taskset", ["-c", core, cmd, ...cmdArgs], {
    stdio: ["ignore", "ignore", "inherit"],
    cwd,
  });
  const exited = new Promise((_, reject) =>
    child.once("exit", (code) =>
      reject(new Error(`${def.name} exited with ${code} before listening`)),
    ),
  );
  exited.catch(() => {});
  try {
    await Promise.race([waitForPort(port), exited]);
  } catch (e) {
    child.kill("SIGKILL");
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
    throw e;
  }
  return {
    port,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => {
          const t = setTimeout(() => {
            child.kill("SIGKILL");
            r();
          }, 3000);
          child.once("exit", () => {
            clearTimeout(t);
            r();
          });
        });
      }
      if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
    },
  };
}
