// process.test.ts: Poller and process lifetime — ref/unref, uncaught exceptions, worker threads.
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureDist, runNode, testedBackends } from "./helpers.js";

let entry = "";
beforeAll(() => {
  entry = pathToFileURL(ensureDist()).href;
});

/** A child that registers an idle pipe, starts the poller and then runs `tail`. */
function childScript(tail: string): string {
  return `
    import * as p from ${JSON.stringify(entry)};
    const [r, w] = p.pipe();
    const poller = new p.Poller(() => {});
    poller.add(r, p.READ);
    poller.start();
    ${tail}
  `;
}

describe.each(testedBackends)("process lifetime (%s backend)", (backend) => {
  const env = { T_POLLER_BACKEND: backend };

  it("a started, ref'd poller keeps the process alive", async () => {
    const res = await runNode(childScript('console.log("started");'), {
      env,
      timeoutMs: 700,
      armAfter: "started",
    });
    expect(res.stdout).toContain("started");
    expect(res.timedOut).toBe(true);
  });

  it("unref() lets the process exit while the poller is started", async () => {
    const res = await runNode(
      childScript('poller.unref(); console.log("backend=" + poller.backend);'),
      { env, timeoutMs: 5000 },
    );
    expect(res.timedOut).toBe(false);
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe(`backend=${backend}`);
  });

  it("ref() after unref() keeps the process alive again", async () => {
    const res = await runNode(
      childScript('poller.unref(); poller.ref(); console.log("started");'),
      {
        env,
        timeoutMs: 700,
        armAfter: "started",
      },
    );
    expect(res.stdout).toContain("started");
    expect(res.timedOut).toBe(true);
  });

  it("a poller that was never started does not keep the process alive", async () => {
    const res = await runNode(
      `import * as p from ${JSON.stringify(entry)};
       const poller = new p.Poller(() => {});
       const [r] = p.pipe(); poller.add(r, p.READ); console.log("ok");`,
      { env, timeoutMs: 5000 },
    );
    expect(res.timedOut).toBe(false);
    expect(res.code).toBe(0);
  });

  it("an exception thrown by onBatch becomes an uncaught exception", async () => {
    const res = await runNode(
      `import * as p from ${JSON.stringify(entry)};
       process.on("uncaughtException", (e) => { console.log("caught:" + e.message); process.exit(0); });
       const [r, w] = p.pipe();
       const poller = new p.Poller(() => { throw new Error("boom"); });
       poller.add(r, p.READ); poller.start();
       p.write(w, Buffer.from("x"), 0, 1);`,
      { env, timeoutMs: 5000 },
    );
    expect(res.stdout.trim()).toBe("caught:boom");
    expect(res.code).toBe(0);
  });

  it("without a handler, an exception thrown by onBatch ends the process with its stack", async () => {
    const res = await runNode(
      `import * as p from ${JSON.stringify(entry)};
       const [r, w] = p.pipe();
       const poller = new p.Poller(() => { throw new Error("unhandled-boom"); });
       poller.add(r, p.READ); poller.start();
       p.write(w, Buffer.from("x"), 0, 1);`,
      { env, timeoutMs: 5000 },
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("unhandled-boom");
  });

  it("works inside a worker_thread and is cleaned up when the worker is terminated", async () => {
    const code = `
      import { parentPort } from "node:worker_threads";
      import * as p from ${JSON.stringify(entry)};
      const [r, w] = p.pipe();
      const buf = Buffer.alloc(16);
      const poller = new p.Poller((n) => {
        const fd = poller.events[0];
        const got = p.read(fd, buf, 0, 16);
        parentPort.postMessage({ n, fd, r, got, text: buf.toString("utf8", 0, got), backend: poller.backend });
      });
      poller.add(r, p.READ);
      poller.start();
      p.write(w, Buffer.from("from-worker"), 0, 11);
    `;
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), {
      env: { ...process.env, T_POLLER_BACKEND: backend },
    });
    const msg = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("worker sent nothing within 5 s")), 5000);
      worker.once("message", (m) => {
        clearTimeout(t);
        resolve(m);
      });
      worker.once("error", reject);
    });
    expect(msg.n).toBe(1);
    expect(msg.fd).toBe(msg.r);
    expect(msg.text).toBe("from-worker");
    expect(msg.backend).toBe(backend);
    // The poller is still started and ref'd: terminate() must tear it down.
    const exitCode = await Promise.race([
      worker.terminate(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("terminate hung")), 5000)),
    ]);
    expect(exitCode).toBe(1);
  });

  it("a worker whose poller is closed and unref'd exits by itself", async () => {
    const code = `
      import * as p from ${JSON.stringify(entry)};
      const poller = new p.Poller(() => {});
      const [r] = p.pipe();
      poller.add(r, p.READ);
      poller.start();
      setTimeout(() => { poller.close(); p.close(r); }, 20);
    `;
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(code)}`), {
      env: { ...process.env, T_POLLER_BACKEND: backend },
    });
    const exitCode = await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("worker did not exit within 5 s")), 5000);
      worker.once("exit", (c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
    expect(exitCode).toBe(0);
  });

  it("a worker terminated while onBatch runs goes away; the process lives on", async () => {
    // The batch callback never returns: terminate() stops it from outside,
    // while the addon is inside its one MakeCallback of the batch. The
    // addon must not throw into (or abort) an environment that is going away.
    const worker = `
      import { parentPort } from "node:worker_threads";
      import * as p from ${JSON.stringify(entry)};
      const [r, w] = p.pipe();
      const poller = new p.Poller(() => { parentPort.postMessage("in onBatch"); for (;;); });
      poller.add(r, p.READ);
      poller.start();
      p.write(w, Buffer.from("x"), 0, 1);
    `;
    const res = await runNode(
      `import { Worker } from "node:worker_threads";
       const worker = new Worker(new URL("data:text/javascript," + encodeURIComponent(${JSON.stringify(worker)})));
       worker.once("message", async (m) => {
         console.log(m);
         console.log("exit code " + (await worker.terminate()));
         console.log("alive");
       });`,
      { env, timeoutMs: 10_000 },
    );
    expect(res.stderr).toBe("");
    expect(res.stdout.split("\n").filter(Boolean)).toEqual(["in onBatch", "exit code 1", "alive"]);
    expect(res.code).toBe(0);
  });
});
