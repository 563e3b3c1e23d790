// Interop with independent clients: Node's fetch (undici) and node:http always; curl and Python's http.client when installed.

import { execFile, execFileSync } from "node:child_process";
import * as http from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HTTPHeaders, type HTTPServerRequest } from "../src/index.js";
import { ServerFixture, within } from "./helpers.js";

let fx: ServerFixture;
beforeEach(() => {
  fx = new ServerFixture();
});
afterEach(async () => {
  await fx.dispose();
});

function which(cmd: string): boolean {
  try {
    execFileSync("which", [cmd], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function run(cmd: string, args: string[], input?: string): Promise<string> {
  return within(
    new Promise((resolve, reject) => {
      const child = execFile(cmd, args, { timeout: 15_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${cmd} failed: ${err.message}\n${stderr}`)) : resolve(stdout),
      );
      if (input !== undefined) child.stdin?.end(input);
    }),
    20_000,
    cmd,
  );
}

/** Echoes method, path and body length; streams a chunked reply for /stream. */
const handler = (req: HTTPServerRequest) => {
  const conn = req.connection;
  if (req.path === "/stream") {
    conn.writeHeaders({ code: 200 }, new HTTPHeaders({ "Content-Type": "text/plain" }), "a");
    setTimeout(() => {
      conn.write("b");
      conn.finish();
    }, 5);
    return;
  }
  conn.writeHeaders(
    { code: 200 },
    new HTTPHeaders({ "Content-Type": "text/plain", "X-Echo": "yes" }),
    `${req.method} ${req.path} ${req.body.length}`,
  );
  conn.finish();
};

describe("interop", () => {
  it("Node fetch (undici): GET, POST with a body, a chunked stream, keep-alive reuse", async () => {
    const { port } = await fx.serve(handler);
    const base = `http://127.0.0.1:${port}`;
    const a = await fetch(`${base}/x`);
    expect(await a.text()).toBe("GET /x 0");
    expect(a.headers.get("x-echo")).toBe("yes");
    const b = await fetch(`${base}/y`, { method: "POST", body: "z".repeat(70_000) });
    expect(await b.text()).toBe("POST /y 70000");
    const c = await fetch(`${base}/stream`);
    expect(c.headers.get("transfer-encoding")).toBe("chunked");
    expect(await c.text()).toBe("ab");
    const d = await fetch(`${base}/`, { method: "HEAD" });
    expect(d.status).toBe(200);
    expect(await d.text()).toBe("");
  });

  it("node:http with a keep-alive agent, chunked upload", async () => {
    const { port } = await fx.serve(handler);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const go = (method: string, path: string, body?: string[]) =>
      within(
        new Promise<string>((resolve, reject) => {
          const r = http.request({ host: "127.0.0.1", port, method, path, agent }, (res) => {
            let s = "";
            res.on("data", (d) => {
              s += d;
            });
            res.on("end", () => resolve(s));
          });
          r.on("error", reject);
          for (const piece of body ?? []) r.write(piece);
          r.end();
        }),
        5000,
        "node:http",
      );
    expect(await go("GET", "/1")).toBe("GET /1 0");
    expect(await go("PUT", "/2", ["abc", "defg"])).toBe("PUT /2 7");
    expect(await go("GET", "/stream")).toBe("ab");
    agent.destroy();
  });

  it("curl (when installed)", async () => {
    if (!which("curl")) {
      console.warn(
        "curl not found: skipping the curl interop check (install with `apt-get install curl`)",
      );
      return;
    }
    const { port } = await fx.serve(handler);
    const out = await run("curl", [
      "-s",
      "-i",
      "--http1.1",
      "-d",
      "hello",
      `http://127.0.0.1:${port}/c`,
      `http://127.0.0.1:${port}/stream`,
    ]);
    expect(out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(out).toContain("POST /c 5");
    expect(out).toMatch(/Transfer-Encoding: chunked\r\n[\s\S]*\r\n\r\nab$/);
  });

  it("Python http.client (when installed)", async () => {
    if (!which("python3")) {
      console.warn(
        "python3 not found: skipping the http.client interop check (install with `apt-get install python3`)",
      );
      return;
    }
    const { port } = await fx.serve(handler);
    const script = `
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", ${port}, timeout=10)
out = []
for method, path, body in [("GET", "/p", None), ("POST", "/q", b"xyz"), ("GET", "/stream", None)]:
    c.request(method, path, body=body)
    r = c.getresponse()
    out.append("%d %s" % (r.status, r.read().decode()))
c.request("POST", "/chunked", body=iter([b"ab", b"cde"]), encode_chunked=True, headers={"Transfer-Encoding": "chunked"})
r = c.getresponse(); out.append("%d %s" % (r.status, r.read().decode()))
print("|".join(out))
`;
    const out = await run("python3", ["-c", script]);
    expect(out.trim()).toBe("200 GET /p 0|200 POST /q 3|200 ab|200 POST /chunked 5");
  });
});
