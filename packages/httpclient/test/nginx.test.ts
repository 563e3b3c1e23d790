// Against a real nginx (when installed): keep-alive reuse seen from the server's side, its
// keepalive_requests limit honoured, its gzip decoded.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ClientFixture, waitFor } from "./helpers.js";

function which(cmd: string): string | null {
  try {
    return execFileSync("which", [cmd], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

const NGINX = which("nginx") ?? (existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : null);
if (NGINX === null) {
  console.warn(
    "nginx not found: skipping the nginx tests (install with `apt-get install nginx-light`)",
  );
}

let fx: ClientFixture;
beforeEach(() => {
  fx = new ClientFixture();
});
afterEach(async () => {
  await fx.dispose();
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const TEXT = "nginx says hello. ".repeat(500);

/** Start nginx in the foreground with a config of our own in a temp prefix. */
async function startNginx(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "httpclient-nginx-"));
  for (const sub of ["www", "client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) {
    await mkdir(join(dir, sub));
  }
  await writeFile(join(dir, "www", "file.txt"), TEXT);
  const port = await freePort();
  // As root, nginx would switch workers to "nobody", who cannot write our temp dirs.
  const user = process.getuid?.() === 0 ? `user ${userInfo().username};\n` : "";
  await writeFile(
    join(dir, "nginx.conf"),
    `${user}daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    keepalive_requests 3;
    add_header X-Conn $connection always;
    add_header X-Conn-Requests $connection_requests always;
    location = /hello { default_type text/plain; return 200 "hello"; }
    location / { root ${dir}/www; gzip on; gzip_types text/plain; gzip_min_length 1; }
  }
}
`,
  );
  const proc: ChildProcess = spawn(
    NGINX as string,
    ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", join(dir, "error.log")],
    {
      stdio: "ignore",
    },
  );
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  fx.onDispose(async () => {
    proc.kill("SIGTERM");
    await exited;
    await rm(dir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(() => fetch(`${url}/hello`).then((r) => r.status === 200), {
    ignoreErrors: true,
    what: "nginx to listen",
  });
  return url;
}

describe.skipIf(NGINX === null)("nginx", () => {
  it("serves many requests on one connection, and a new one after keepalive_requests", async () => {
    const url = await startNginx();
    const client = fx.client();
    const conns: string[] = [];
    const counts: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await client.fetch(`${url}/hello`);
      expect(res.text()).toBe("hello");
      conns.push(res.headers.get("x-conn") as string);
      counts.push(res.headers.get("x-conn-requests") as string);
    }
    // nginx closes after its third request on a connection (Connection: close): three connections.
    expect(counts).toEqual(["1", "2", "3", "1", "2", "3", "1"]);
    expect(new Set(conns).size).toBe(3);
    expect(conns[0]).toBe(conns[2]);
    expect(conns[3]).toBe(conns[5]);
  });

  it("decodes nginx's gzip (chunked) response", async () => {
    const url = await startNginx();
    const client = fx.client();
    const res = await client.fetch(`${url}/file.txt`);
    expect(res.headers.get("x-consumed-content-encoding")).toBe("gzip");
    expect(res.text()).toBe(TEXT);
    const head = await client.fetch(`${url}/file.txt`, { method: "HEAD" });
    expect(head.body.length).toBe(0);
  });
});
