// events-detach.test.ts: onBatch transfers poller.events away mid-dispatch; the addon never writes into the memory it gave up.
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureDist, runNode, testedBackends } from "./helpers.js";

let entry = "";
beforeAll(() => {
  entry = pathToFileURL(ensureDist()).href;
});

const MARK = 0x5a5a5a5a;

/**
 * A child with maxEvents 1 and two readable sockets, so one dispatch would take two rounds.
 * The first batch moves `events.buffer` into `moved`, writes [fd, MARK] there and then runs
 * `then` (with `poller` and `fd` in scope). The child prints the moved memory as JSON once the
 * poller reports the detach (or right after `then` when it closes the poller).
 */
function script(backend: string, then: string, printAfterThen: boolean): string {
  return `
    import * as p from ${JSON.stringify(entry)};
    let batches = 0, view, fatal = "";
    const report = () => { console.log(JSON.stringify({ batches, view: [...view], fatal })); process.exit(0); };
    process.on("uncaughtException", (e) => { fatal = e.message; report(); });
    setTimeout(() => { fatal = "no detach error within 20 s"; report(); }, 20000).unref();
    const poller = new p.Poller(() => {
      batches++;
      if (batches > 1) return;
      const fd = poller.events[0];
      view = new Int32Array(structuredClone(poller.events.buffer, { transfer: [poller.events.buffer] }));
      view[0] = fd;
      view[1] = ${MARK};
      ${then}
      ${printAfterThen ? "report();" : ""}
    }, { backend: ${JSON.stringify(backend)}, maxEvents: 1 });
    for (let i = 0; i < 2; i++) {
      const [a, b] = p.socketpair("stream");
      p.write(b, Buffer.from("x"), 0, 1);
      poller.add(a, p.READ);
    }
    poller.start();
  `;
}

describe.each(testedBackends)("poller.events transferred inside onBatch (%s)", (backend) => {
  it("the next round of the same dispatch is not harvested into the moved memory", async () => {
    const res = await runNode(script(backend, "", false), { timeoutMs: 30_000 });
    expect(res.stderr).toBe("");
    const out = JSON.parse(res.stdout) as { batches: number; view: number[]; fatal: string };
    expect(out.view[1]).toBe(MARK);
    expect(out.batches).toBe(1);
    expect(out.fatal).toContain("detached");
  });

  it("remove(fd) during that batch does not invalidate entries in the moved memory", async () => {
    // stop() ends the dispatch after this batch, so only remove() could touch the memory.
    const res = await runNode(script(backend, "poller.remove(fd); poller.stop();", true), {
      timeoutMs: 30_000,
    });
    expect(res.stderr).toBe("");
    const out = JSON.parse(res.stdout) as { view: number[]; fatal: string };
    expect(out.view[0]).not.toBe(-1);
    expect(out.view[1]).toBe(MARK);
    expect(out.fatal).toBe("");
  });

  it("close() during that batch does not clear entries in the moved memory", async () => {
    const res = await runNode(script(backend, "poller.close();", true), { timeoutMs: 30_000 });
    expect(res.stderr).toBe("");
    const out = JSON.parse(res.stdout) as { view: number[]; fatal: string };
    // The buffer holds the (fd, events) pairs, then the read-ahead (offset, result) pairs.
    expect(out.view.slice(0, 2)).toEqual([out.view[0], MARK]);
    expect(out.view[0]).not.toBe(-1);
    expect(out.fatal).toBe("");
  });
});
