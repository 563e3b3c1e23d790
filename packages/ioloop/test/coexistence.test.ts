import { lookup } from "node:dns/promises";
import { readFile } from "node:fs/promises";
import { createServer, connect as netConnect } from "node:net";
import { backends, read } from "@t/poller-native";
import { afterEach, describe, expect, it } from "vitest";
import { PeriodicCallback, READ } from "../src/index.js";
import { cleanup, newLoop, newPipe, writeString } from "./helpers.js";

afterEach(cleanup);

describe("living inside Node's event loop", () => {
  it("Node timers, fs, DNS and net keep working while the loop runs", async () => {
    const { loop } = newLoop();
    const results = await loop.runSync(
      async () => {
        const nodeTimer = new Promise<string>((resolve) => setTimeout(() => resolve("timer"), 5));
        const file = readFile(new URL(import.meta.url), "utf8");
        const dns = lookup("localhost");
        const echoed = new Promise<string>((resolve, reject) => {
          const server = createServer((socket) => socket.pipe(socket));
          server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            if (address === null || typeof address === "string")
              return reject(new Error("no port"));
            const client = netConnect(address.port, "127.0.0.1", () => client.write("net ok"));
            client.once("data", (data) => {
              client.destroy();
              server.close();
              resolve(data.toString());
            });
            client.once("error", reject);
          });
        });
        return [await nodeTimer, (await file).length > 0, (await dns).address !== "", await echoed];
      },
      { timeoutMs: 10_000 },
    );
    expect(results).toEqual(["timer", true, true, "net ok"]);
  });

  for (const backend of backends) {
    it(`handlers, timeouts and periodic callbacks work on the ${backend} backend`, async () => {
      const { loop } = newLoop({ backend });
      expect(loop.backend).toBe(backend);
      const [r, w] = newPipe();
      const buf = Buffer.alloc(16);
      const seen: string[] = [];
      await loop.runSync(
        () =>
          new Promise<void>((resolve) => {
            loop.addHandler(
              r,
              (fd) => {
                const n = read(fd, buf, 0, buf.length);
                // On a busy machine two writes may arrive in one read: compare the bytes.
                seen.push(buf.toString("utf8", 0, n));
                if (seen.join("") === "tp1p2") resolve();
              },
              READ,
            );
            let ticks = 0;
            const pc = new PeriodicCallback(
              () => {
                writeString(w, `p${++ticks}`);
                if (ticks === 2) pc.stop();
              },
              5,
              0,
              loop,
            );
            pc.start();
            loop.callLater(1, () => writeString(w, "t"));
          }),
        { timeoutMs: 5000 },
      );
      expect(seen.join("")).toBe("tp1p2");
    });
  }
});
