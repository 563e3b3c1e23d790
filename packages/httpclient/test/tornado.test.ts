// Against a real Tornado server (Debian's python3-tornado, when installed): keep-alive reuse seen
// from Tornado's side, its chunked and gzip responses, a chunked upload.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClientFixture, within } from "./helpers.js";

/** A python3 that can import tornado, or null. */
function tornadoPython(): string | null {
  for (const exe of ["/usr/bin/python3", "python3"]) {
    try {
      execFileSync(exe, ["-c", "import tornado"], { stdio: "ignore", timeout: 20_000 });
      return exe;
    } catch {
      // not this one
    }
  }
  return null;
}

const python = tornadoPython();
if (python === null) {
  console.warn(
    "python3-tornado not found: skipping the Tornado tests (install with `apt-get install python3-tornado`)",
  );
}

const SERVER = `
import asyncio, sys
import tornado.web

class Hello(tornado.web.RequestHandler):
    def get(self):
        self.set_header("X-Conn", str(id(self.request.connection.stream)))
        self.write("hello from tornado")

class Chunks(tornado.web.RequestHandler):
    async def get(self):
        for i in range(5):
            self.write("part%d;" % i)
            await self.flush()

class Big(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain")
        self.write("tornado " * 4000)

class Echo(tornado.web.RequestHandler):
    def post(self):
        self.write("%s %d %s" % (self.request.headers.get("Transfer-Encoding"), len(self.request.body), self.request.body[:8].decode()))

async def main():
    app = tornado.web.Application([(r"/hello", Hello), (r"/chunks", Chunks), (r"/big", Big), (r"/echo", Echo)], compress_response=True)
    server = app.listen(0, "127.0.0.1")
    port = list(server._sockets.values())[0].getsockname()[1]
    print(port, flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
`;

let fx: ClientFixture;
beforeEach(() => {
  fx = new ClientFixture();
});
afterEach(async () => {
  await fx.dispose();
});

async function startTornado(): Promise<string> {
  const proc: ChildProcess = spawn(python as string, ["-c", SERVER], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  fx.onDispose(async () => {
    proc.kill("SIGTERM");
    await exited;
  });
  const port = await within(
    new Promise<number>((resolve, reject) => {
      let out = "";
      proc.stdout?.on("data", (d) => {
        out += d;
        if (out.includes("\n")) resolve(Number(out.trim()));
      });
      proc.once("exit", (code) => reject(new Error(`tornado exited with ${code}`)));
    }),
    20_000,
    "the Tornado server to start",
  );
  return `http://127.0.0.1:${port}`;
}

describe.skipIf(python === null)("Tornado", () => {
  it("serves ten requests on one connection (Tornado sees one stream)", async () => {
    const url = await startTornado();
    const client = fx.client();
    const conns = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const res = await client.fetch(`${url}/hello`);
      expect(res.text()).toBe("hello from tornado");
      conns.add(res.headers.get("x-conn") as string);
    }
    expect(conns.size).toBe(1);
  });

  it("reads Tornado's flushed (chunked) and gzip-compressed responses", async () => {
    const url = await startTornado();
    const client = fx.client();
    const chunks = await client.fetch(`${url}/chunks`);
    expect(chunks.headers.get("transfer-encoding")).toBe("chunked");
    expect(chunks.text()).toBe("part0;part1;part2;part3;part4;");
    const big = await client.fetch(`${url}/big`);
    expect(big.headers.get("x-consumed-content-encoding")).toBe("gzip");
    expect(big.text()).toBe("tornado ".repeat(4000));
  });

  it("uploads a chunked body to Tornado", async () => {
    const url = await startTornado();
    const client = fx.client();
    async function* body() {
      yield "abcd";
      yield Buffer.alloc(100_000, 0x7a);
    }
    const res = await client.fetch(`${url}/echo`, { method: "POST", body: body() });
    expect(res.text()).toBe("chunked 100004 abcdzzzz");
  });
});
