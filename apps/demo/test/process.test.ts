// The demo as a process: `node src/main.mjs` flags, SIGTERM draining, and --processes pre-forking.

import { get } from "node:http";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DEMO_DIR, killAll, MAIN, spawnTracked, startDemoProcess, waitFor } from "./helpers.js";

afterEach(killAll);

/** GET on a fresh connection (no keep-alive), so that every request is a new accept. */
function getFresh(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (d) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on("error", reject);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("node src/main.mjs", () => {
  it("prints its address, serves, and on SIGTERM ends a waiting long poll and exits 0", async () => {
    const demo = await startDemoProcess(["--instance", "solo"]);
    const hello = await getFresh(`${demo.url}/hello`);
    expect(hello).toEqual({ status: 200, body: "Hello, world" });
    const health = JSON.parse((await getFresh(`${demo.url}/healthz`)).body);
    expect(health).toMatchObject({ status: "ok", instance: "solo", pid: demo.child.pid });

    const poll = getFresh(`${demo.url}/chat/updates`);
    await waitFor(
      "the long poll waiting on the server",
      async () => JSON.parse((await getFresh(`${demo.url}/healthz`)).body).chatWaiters === 1,
    );
    demo.child.kill("SIGTERM");
    // The poll is answered empty by the shutdown (its own timeout is far longer), then exit 0.
    expect(await poll).toEqual({ status: 200, body: '{"messages":[]}' });
    expect(await demo.exited).toBe(0);
  });

  it("runs from the repository root too (the root `pnpm start`)", async () => {
    const root = join(DEMO_DIR, "..", "..");
    const p = spawnTracked(
      process.execPath,
      [join("apps", "demo", "src", "main.mjs"), "--port", "0"],
      {
        cwd: root,
        env: { T_LOG_LEVEL: "warn" },
      },
    );
    const m = await waitFor(
      "the address",
      () => /listening on (http:\/\/\S+)/.exec(p.stdout()),
      15_000,
    );
    const page = await getFresh(`${m[1]}/chat`);
    expect(page.status).toBe(200);
    expect(page.body).toContain("/static/chat.js?v=");
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
  });

  it("rejects a bad flag with a usage error and a non-zero status", async () => {
    const p = spawnTracked(process.execPath, [MAIN, "--port", "http"]);
    expect(await p.exited).not.toBe(0);
    expect(p.stderr()).toMatch(/--port <port>.*invalid.*expected an integer in 0\.\.65535/);
  });

  it("takes the limit flags and refuses an upload limit above the upload quota", async () => {
    const demo = await startDemoProcess([
      "--max-upload-mb",
      "2",
      "--max-upload-total-mb",
      "3",
      "--max-long-polls",
      "5",
      "--chat-max-buffered-kb",
      "64",
      "--max-write-buffer-mb",
      "4",
    ]);
    expect((await getFresh(`${demo.url}/upload`)).body).toMatch(/at most 3\s+MiB/);
    demo.child.kill("SIGTERM");
    expect(await demo.exited).toBe(0);

    const p = spawnTracked(process.execPath, [MAIN, "--port", "0", "--max-upload-mb", "300"]);
    const code = await Promise.race([
      p.exited,
      new Promise((r) => setTimeout(() => r("still running after 15 s"), 15_000)),
    ]);
    expect(code).toBe(1);
    expect(p.stderr()).toMatch(
      /--max-upload-mb \(300\) must not exceed --max-upload-total-mb \(256\)/,
    );
    expect(p.stdout()).not.toContain("listening");
  });

  it("a port in use is one line naming the address and the flag, no stack", async () => {
    const { createServer } = await import("node:net");
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    const port = (busy.address() as { port: number }).port;
    try {
      const p = spawnTracked(process.execPath, [MAIN, "--port", String(port)]);
      expect(await p.exited).toBe(1);
      expect(p.stderr()).toContain(`cannot listen on 127.0.0.1:${port}: address already in use`);
      expect(p.stderr()).toContain("--port <n> or PORT=<n>");
      expect(p.stderr()).not.toMatch(/\n\s+at /); // no stack frames
    } finally {
      busy.close();
    }
  });

  it("a bad --redis URL is a flag error, an unreachable Redis names the cause", async () => {
    const bad = spawnTracked(process.execPath, [MAIN, "--redis", "notaurl"]);
    expect(await bad.exited).not.toBe(0);
    expect(bad.stderr()).toMatch(/option '--redis <url>' argument 'notaurl' is invalid/);
    expect(bad.stderr()).not.toMatch(/\n\s+at /);

    const { freePort } = await import("./helpers.js");
    const port = await freePort(); // nothing listens there
    const down = spawnTracked(process.execPath, [
      MAIN,
      "--port",
      "0",
      "--redis",
      `redis://127.0.0.1:${port}`,
    ]);
    expect(await down.exited).toBe(1);
    expect(down.stderr()).toContain(
      `cannot use Redis at redis://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port} (is redis-server running there?)`,
    );
    expect(down.stderr()).not.toMatch(/\n\s+at /);
  });

  it("reads the port from $PORT", async () => {
    const { freePort } = await import("./helpers.js");
    const port = await freePort();
    const p = spawnTracked(process.execPath, [MAIN], {
      env: { PORT: String(port), T_LOG_LEVEL: "warn" },
    });
    await waitFor(
      "the address",
      () => p.stdout().includes(`listening on http://127.0.0.1:${port}`),
      15_000,
    );
    expect((await getFresh(`http://127.0.0.1:${port}/hello`)).status).toBe(200);
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
  });
});

describe("--processes", () => {
  it("two pre-forked workers share the port, and SIGTERM to the parent makes all of them exit 0", async () => {
    const demo = await startDemoProcess(["--processes", "2"]);
    const pids = new Set<number>();
    const workers = new Set<number>();
    await waitFor(
      "answers from two worker processes",
      async () => {
        const { body } = await getFresh(`${demo.url}/healthz`);
        const h = JSON.parse(body);
        pids.add(h.pid);
        workers.add(h.worker);
        return pids.size >= 2;
      },
      20_000,
      5,
    );
    expect(pids.has(demo.child.pid as number)).toBe(false); // the parent only supervises
    expect([...workers].sort()).toEqual([0, 1]);
    demo.child.kill("SIGTERM");
    expect(await demo.exited).toBe(0);
    await waitFor("both workers to be gone", () => [...pids].every((pid) => !alive(pid)), 5000);
  });

  it("one /metrics scrape, on either worker, sums the requests every worker served", async () => {
    const demo = await startDemoProcess(["--processes", "2"]);
    // Fresh connections until both workers answered; count what each one served.
    const served = new Map<number, number>();
    let sent = 0;
    await waitFor(
      "hello answered by both workers",
      async () => {
        const { status, body } = await getFresh(`${demo.url}/healthz`);
        expect(status).toBe(200);
        const worker = JSON.parse(body).worker as number;
        served.set(worker, (served.get(worker) ?? 0) + 1);
        sent++;
        return served.size === 2;
      },
      20_000,
      5,
    );
    // Every scrape lands on some worker; each must report the total of both.
    const totals = new Set<number>();
    for (let i = 0; i < 6; i++) {
      const { status, body } = await getFresh(`${demo.url}/metrics`);
      expect(status).toBe(200);
      expect(body).toMatch(/^demo_metrics_workers_scraped 2$/m);
      const m = /^http_requests_total\{method="GET",route="healthz",status="200"\} (\d+)$/m.exec(
        body,
      );
      expect(m, body.slice(0, 2000)).not.toBeNull();
      totals.add(Number(m?.[1]));
      expect(body).not.toMatch(/worker="/); // summed, not per worker
    }
    expect([...totals]).toEqual([sent]);
    demo.child.kill("SIGTERM");
    expect(await demo.exited).toBe(0);
  });
});
