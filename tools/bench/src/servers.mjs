// The servers under test, per protocol, with what is not installed skipped (and why printed).

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const script = (name) => path.join(here, "servers", name);

/** True when `cmd` is on the PATH. */
export function has(cmd) {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function pythonWithTornado() {
  for (const py of ["python3", "/usr/bin/python3"]) {
    try {
      execFileSync(py, ["-c", "import tornado"], { stdio: "ignore" });
      return py;
    } catch {}
  }
  return null;
}

/**
 * Why uWebSockets.js cannot load here, or null when it can. Tried in a child process so that a
 * binary that crashes on load cannot take the harness with it.
 */
function uwsLoadError() {
  try {
    execFileSync(
      process.execPath,
      [
        "-e",
        "try { require('uwebsockets') } catch (e) { process.stderr.write(String(e.message)); process.exit(1) }",
      ],
      { cwd: here, stdio: ["ignore", "ignore", "pipe"], timeout: 30_000 },
    );
    return null;
  } catch (e) {
    if (e.signal) return `loading it killed node with ${e.signal}`;
    // The package's loader wraps the dlopen error in its own message; the cause is its
    // "Error: ..." line. Without the package, the message's first line says so.
    const lines = String(e.stderr ?? e.message)
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    return lines.find((l) => l.startsWith("Error: ")) ?? lines[0] ?? `node exited with ${e.status}`;
  }
}

const nginxBin = ["nginx", "/usr/sbin/nginx"].find((b) => has(b));

/** Writes an nginx config from a template into a new temp dir; returns the nginx command. */
function nginxCmd(template, port, fill = {}) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "t-bench-nginx-"));
  let conf = readFileSync(script(template), "utf8")
    .replaceAll("__PORT__", String(port))
    .replaceAll("__DIR__", dir);
  for (const [k, v] of Object.entries(fill)) conf = conf.replaceAll(k, v);
  writeFileSync(path.join(dir, "nginx.conf"), conf);
  return [nginxBin, ["-c", path.join(dir, "nginx.conf"), "-p", dir], dir];
}

const node =
  (file, ...extra) =>
  (port) => [process.execPath, [script(file), port, ...extra]];

/** Probes what is installed once; prints a skip line (with its apt-get) for each missing one. */
export function detect() {
  const py = pythonWithTornado();
  if (!py) console.log("# Tornado skipped: apt-get install python3-tornado to include it");
  if (!nginxBin) console.log("# nginx skipped: apt-get install nginx-light to include it");
  const uwsError = uwsLoadError();
  if (uwsError) {
    console.log(
      `# uWebSockets.js skipped: the \`uwebsockets\` package does not load here: ${uwsError} (its binaries need Node 16, 18, 20-22, 24 or 25 on glibc Linux, macOS or Windows; pnpm install in tools/bench)`,
    );
  }
  return { py, nginx: Boolean(nginxBin), uws: !uwsError };
}

/** Plain HTTP hello-world servers; `node` (node:http) is the base of the ×node ratios. */
export function httpServers(found) {
  const list = [
    { id: "t", name: "@t/httpserver", cmd: node("t-httpserver.mjs") },
    { id: "t-web", name: "@t/web", cmd: node("t-web.mjs") },
    { id: "node", name: "node:http", cmd: node("node-http.mjs") },
    { id: "fastify", name: "fastify", cmd: node("fastify.mjs") },
  ];
  if (found.py) {
    list.push(
      {
        id: "tornado",
        name: "Tornado HTTPServer",
        cmd: (port) => [found.py, [script("tornado_http.py"), port]],
      },
      {
        id: "tornado-web",
        name: "Tornado web.Application",
        cmd: (port) => [found.py, [script("tornado_hello.py"), port]],
      },
    );
  }
  if (found.nginx) {
    list.push({
      id: "nginx",
      name: "nginx (1 worker)",
      cmd: (port) => nginxCmd("nginx.conf.template", port),
    });
  }
  if (found.uws) list.push({ id: "uws", name: "uWebSockets.js", cmd: node("uws-hello.mjs") });
  return list;
}

/** HTTPS (TLS 1.3) hello-world servers with the given key and certificate files. */
export function httpsServers(found, tls) {
  const list = [
    { id: "t", name: "@t/httpserver", cmd: node("t-httpserver.mjs", tls.key, tls.cert) },
    { id: "node", name: "node:https", cmd: node("node-https.mjs", tls.key, tls.cert) },
  ];
  if (found.nginx) {
    list.push({
      id: "nginx",
      name: "nginx (1 worker)",
      cmd: (port) =>
        nginxCmd("nginx-tls.conf.template", port, { __KEY__: tls.key, __CERT__: tls.cert }),
    });
  }
  if (found.uws) {
    list.push({
      id: "uws",
      name: "uWebSockets.js",
      cmd: node("uws-hello.mjs", tls.key, tls.cert),
    });
  }
  return list;
}

/** WebSocket echo servers; `ws` is the base of the ×ws ratios. */
export function wsServers(found) {
  const list = [
    { id: "t", name: "@t/websocket", cmd: node("t-websocket.mjs") },
    { id: "ws", name: "ws", cmd: node("ws-echo.mjs") },
  ];
  if (found.uws) list.push({ id: "uws", name: "uWebSockets.js", cmd: node("uws-echo.mjs") });
  return list;
}
