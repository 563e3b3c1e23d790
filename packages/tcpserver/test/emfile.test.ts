// Out of descriptors: a server under `prlimit --nofile=64` and a connection storm stays idle (no spin) and recovers.

import { execFileSync } from "node:child_process";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { exchange, sleep, waitFor, within } from "./helpers.js";
import { cpuTicks, killAll, Proc } from "./processes.js";

const sockets: net.Socket[] = [];
afterEach(() => {
  for (const s of sockets) s.destroy();
  sockets.length = 0;
  killAll();
});

function hasPrlimit(): boolean {
  try {
    execFileSync("prlimit", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function start(): Proc {
  return hasPrlimit()
    ? new Proc("prlimit", ["--nofile=64:64", process.execPath, "examples/echo-server.mjs", "0"])
    : new Proc("sh", [
        "-c",
        `ulimit -n 64 && exec "${process.execPath}" examples/echo-server.mjs 0`,
      ]);
}

function open(port: number): net.Socket {
  const s = net.connect({ host: "127.0.0.1", port });
  s.on("error", () => {});
  sockets.push(s);
  return s;
}

describe("EMFILE", () => {
  it("backs off without spinning while out of fds and serves again once fds free up", async () => {
    const server = start();
    const port = Number((await server.output(/listening on 127\.0\.0\.1:(\d+)/))[1]);
    // A storm of connections: far more than the 64 descriptors the server may hold.
    for (let i = 0; i < 150; i++) open(port);
    await server.output(/EMFILE \(out of file descriptors\)/, 10_000);
    await sleep(300); // past the first, fast retries of the back-off
    const before = cpuTicks(server.pid);
    const t0 = Date.now();
    await sleep(1500);
    const ticks = cpuTicks(server.pid) - before;
    const seconds = (Date.now() - t0) / 1000;
    // A spinning accept loop burns ~100 ticks per second; backing off costs next to nothing.
    expect(ticks / seconds).toBeLessThan(15);
    // One warning for the whole episode.
    expect(server.stderr.match(/out of file descriptors/g)).toHaveLength(1);

    // Free the descriptors: the server accepts again (and drains the queued, closed ones).
    for (const s of sockets.splice(0)) s.destroy();
    const fresh = open(port);
    await within(
      new Promise<void>((resolve) => fresh.once("connect", () => resolve())),
      5000,
      "connect",
    );
    expect(await within(exchange(fresh, "alive again\n"), 5000, "echo")).toBe("alive again\n");
    await waitFor(() => /accepting again/.test(server.stderr), 5000, "recovery logged");
    fresh.destroy();
    server.child.kill("SIGTERM");
    expect(await server.exit()).toEqual({ code: 0, signal: null });
  });
});
