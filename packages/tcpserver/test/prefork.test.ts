// Pre-fork (examples/prefork-echo.mjs): children share one socket, crashed children restart, SIGTERM drains and exits 0.

import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { forkProcesses, taskId } from "../src/index.js";
import { exchange, sleep, waitFor, within } from "./helpers.js";
import { alive, killAll, Proc } from "./processes.js";

const sockets: net.Socket[] = [];
afterEach(() => {
  for (const s of sockets) s.destroy();
  sockets.length = 0;
  killAll();
});

/** Connect and read the banner line "worker <id> pid <pid>". */
async function banner(port: number): Promise<{ socket: net.Socket; id: number; pid: number }> {
  const socket = net.connect({ host: "127.0.0.1", port });
  sockets.push(socket);
  const line = await within(
    new Promise<string>((resolve, reject) => {
      let got = "";
      const onData = (d: Buffer) => {
        got += d.toString();
        const nl = got.indexOf("\n");
        if (nl !== -1) {
          socket.off("data", onData);
          resolve(got.slice(0, nl));
        }
      };
      socket.on("data", onData);
      socket.once("error", reject);
    }),
    5000,
    "banner",
  );
  const m = line.match(/^worker (\d+) pid (\d+)$/);
  if (m === null) throw new Error(`unexpected banner ${line}`);
  return { socket, id: Number(m[1]), pid: Number(m[2]) };
}

async function startPrefork(): Promise<{ parent: Proc; port: number }> {
  const parent = new Proc(process.execPath, ["examples/prefork-echo.mjs"], {
    PORT: "0",
    WORKERS: "2",
  });
  const port = Number((await parent.output(/listening on 127\.0\.0\.1:(\d+)/))[1]);
  await parent.output(
    /worker 0 pid \d+ serving[\s\S]*worker \d pid \d+ serving|worker 1 pid \d+ serving[\s\S]*worker 0 pid \d+ serving/,
  );
  return { parent, port };
}

/** Connect until `want` distinct pids answered (bounded); returns pid -> task id. */
async function collectPids(port: number, want: (pids: Map<number, number>) => boolean) {
  const pids = new Map<number, number>();
  for (let i = 0; i < 300 && !want(pids); i++) {
    const b = await banner(port);
    pids.set(b.pid, b.id);
    b.socket.destroy();
  }
  return pids;
}

describe("forkProcesses via examples/prefork-echo.mjs", () => {
  it("this test process is not a pre-forked child", () => {
    expect(taskId()).toBeNull();
    expect(() => forkProcesses(-1)).toThrow(RangeError);
    expect(() => forkProcesses(2, { maxRestarts: -1 })).toThrow(RangeError);
  });

  it("spreads connections over both children, which share the parent's socket", async () => {
    const { parent, port } = await startPrefork();
    const pids = await collectPids(port, (p) => p.size >= 2);
    expect(pids.size).toBe(2);
    expect([...pids.values()].sort()).toEqual([0, 1]);
    expect(pids.has(parent.pid)).toBe(false); // the parent never serves
    const b = await banner(port);
    expect(await exchange(b.socket, "echo me\n")).toBe("echo me\n");
  });

  it("restarts a child killed with SIGKILL under the same task id", async () => {
    const { parent, port } = await startPrefork();
    const before = await collectPids(port, (p) => p.size >= 2);
    const [victim, victimId] = [...before][0];
    process.kill(victim, "SIGKILL");
    await parent.output(
      new RegExp(`child ${victimId} \\(pid ${victim}\\) killed by signal SIGKILL`),
    );
    await waitFor(() => !alive(victim), 5000, "victim gone");
    const workerPids = () =>
      [...parent.stdout.matchAll(new RegExp(`worker ${victimId} pid (\\d+) serving`, "g"))].map(
        (m) => Number(m[1]),
      );
    await waitFor(() => workerPids().some((pid) => pid !== victim), 10_000, "restart");
    const freshPid = workerPids().find((pid) => pid !== victim) ?? -1;
    expect(alive(freshPid)).toBe(true);
    // The new child accepts from the shared queue too (batches of concurrent connections).
    let served = false;
    for (let i = 0; i < 30 && !served; i++) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => banner(port)));
      served = batch.some((b) => b.pid === freshPid && b.id === victimId);
      for (const b of batch) b.socket.destroy();
    }
    expect(served).toBe(true);
  });

  it("SIGTERM drains in-flight connections and every process exits 0", async () => {
    const { parent, port } = await startPrefork();
    const pids = await collectPids(port, (p) => p.size >= 2);
    const inflight = await banner(port);
    expect(await exchange(inflight.socket, "one\n")).toBe("one\n");
    parent.child.kill("SIGTERM");
    await parent.output(/SIGTERM received; forwarding to 2 children/);
    await sleep(200);
    // Still served while draining.
    expect(await exchange(inflight.socket, "two\n")).toBe("two\n");
    expect(alive(inflight.pid)).toBe(true);
    inflight.socket.end();
    expect(await parent.exit(10_000)).toEqual({ code: 0, signal: null });
    expect(parent.stderr.match(/exited with status 0 during shutdown/g)).toHaveLength(2);
    for (const pid of pids.keys()) await waitFor(() => !alive(pid), 5000, `pid ${pid} gone`);
  });
});
