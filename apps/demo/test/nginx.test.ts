// deploy/nginx/t-demo.conf, run by a real unprivileged nginx in front of two demo instances.

import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { get } from "node:http";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  CookieJar,
  DEMO_DIR,
  freePort,
  killAll,
  noteMissing,
  spawnTracked,
  startDemoProcess,
  waitFor,
  which,
} from "./helpers.js";

/** A JSON frame of the chat socket. */
interface Frame {
  type?: string;
  error?: string;
  messages?: { id: string; body: string; from: string; via: string }[];
}

const NGINX = which("nginx");
noteMissing("nginx", "apt-get install nginx-light (or nginx)");

let prefix: string | null = null;

afterEach(async () => {
  await killAll();
  if (prefix !== null) await rm(prefix, { recursive: true, force: true });
  prefix = null;
});

/**
 * Write deploy/nginx/t-demo.conf with the test's ports into a temp prefix, wrapped in a main
 * config whose pid, logs and temp paths all live there, and start nginx in the foreground.
 */
async function startNginx(
  upstreamPorts: number[],
): Promise<{ url: string; port: number; log: () => Promise<string> }> {
  prefix = await mkdtemp(join(tmpdir(), "t-demo-nginx-"));
  const dir = prefix;
  const port = await freePort();
  const site = await readFile(join(DEMO_DIR, "deploy", "nginx", "t-demo.conf"), "utf8");
  const servers = upstreamPorts.map((p) => `    server 127.0.0.1:${p};`).join("\n");
  const ours = site
    .replace(
      /(upstream t_demo \{\n)(?:\s*#.*\n)?(?:\s*server 127\.0\.0\.1:\d+;\n)+/,
      `$1${servers}\n`,
    )
    .replace("listen 8080;", `listen 127.0.0.1:${port};`);
  expect(ours).toContain(servers);
  expect(ours).not.toContain("8001");
  for (const sub of ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]) {
    await mkdir(join(dir, sub));
  }
  await writeFile(join(dir, "t-demo.conf"), ours);
  // As root, nginx would switch workers to "nobody", who cannot write our temp dirs.
  const user = process.getuid?.() === 0 ? `user ${userInfo().username};\n` : "";
  await writeFile(
    join(dir, "nginx.conf"),
    `${user}daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 256; }
http {
    access_log ${dir}/access.log;
    default_type application/octet-stream;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    include ${dir}/t-demo.conf;
}
`,
  );
  const p = spawnTracked(NGINX as string, [
    "-p",
    dir,
    "-c",
    join(dir, "nginx.conf"),
    "-e",
    join(dir, "error.log"),
  ]);
  const url = `http://127.0.0.1:${port}`;
  await Promise.race([
    waitFor(
      "nginx to listen",
      () => fetch(`${url}/healthz`).then((r) => r.status === 200),
      10_000,
      50,
    ),
    p.exited.then(async (code) => {
      const log = await readFile(join(dir, "error.log"), "utf8").catch(() => "");
      throw new Error(`nginx exited (${code}): ${p.stderr()}\n${log}`);
    }),
  ]);
  return { url, port, log: () => readFile(join(dir, "error.log"), "utf8") };
}

/** GET through a new connection from `localAddress` (a 127/8 address other than the proxy's). */
function getFrom(
  url: string,
  localAddress: string,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = get(url, { agent: false, localAddress, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (d) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
  });
}

describe.skipIf(NGINX === null)("behind nginx (deploy/nginx/t-demo.conf)", () => {
  it("spreads requests over the instances, which see the client's address through X-Real-IP", async () => {
    const secret = "shared-secret-for-the-test";
    const a = await startDemoProcess(["--xheaders", "--instance", "A", "--cookie-secret", secret]);
    const b = await startDemoProcess(["--xheaders", "--instance", "B", "--cookie-secret", secret]);
    const nginx = await startNginx([a.port, b.port]);

    const seen = new Map<string, number>();
    for (let i = 0; i < 8; i++) {
      const res = await getFrom(`${nginx.url}/healthz`, "127.0.0.2");
      expect(res.status).toBe(200);
      const h = JSON.parse(res.body);
      expect(res.headers["x-instance"]).toBe(h.instance);
      expect(h.remoteIp).toBe("127.0.0.2"); // the client, not nginx (127.0.0.1)
      seen.set(h.instance, h.pid);
    }
    expect([...seen.keys()].sort()).toEqual(["A", "B"]);
    expect(new Set(seen.values()).size).toBe(2);

    // Without --xheaders an instance reports its TCP peer; with it, a direct client's header is trusted
    // (which is why the instances listen on 127.0.0.1 only).
    const direct = JSON.parse((await getFrom(`${a.url}/healthz`, "127.0.0.3")).body);
    expect(direct.remoteIp).toBe("127.0.0.3");

    // A login made through one instance is valid on the other (same --cookie-secret).
    const jar = new CookieJar();
    const html = await (await jar.fetch(`${nginx.url}/login`)).text();
    const token = (/name="_xsrf" value="([^"]+)"/.exec(html) as RegExpExecArray)[1];
    const login = await jar.fetch(`${nginx.url}/login`, {
      method: "POST",
      body: new URLSearchParams({ _xsrf: token, name: "ann", next: "/me" }),
    });
    expect(login.status).toBe(302);
    const instances = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const me = await jar.fetch(`${nginx.url}/me`, { headers: { Connection: "close" } });
      expect(await me.json()).toEqual({ user: "ann" });
      instances.add(me.headers.get("x-instance") as string);
    }
    expect(instances.size).toBe(2);

    // WebSocket upgrades pass through.
    const ws = new WebSocket(`${nginx.url.replace("http", "ws")}/chat/socket`, {
      headers: { Origin: nginx.url },
    });
    const first = await new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no frame through nginx")), 5000);
      ws.once("message", (raw) => {
        clearTimeout(timer);
        resolve(JSON.parse(String(raw)));
      });
      ws.once("error", reject);
    });
    expect(first).toEqual({ type: "messages", messages: [] });
    ws.terminate();

    // /metrics is not exposed through the proxy.
    expect((await getFrom(`${nginx.url}/metrics`, "127.0.0.2")).status).toBe(404);
    expect(await nginx.log()).not.toMatch(/\[(emerg|alert|crit)\]/);
  });
});
