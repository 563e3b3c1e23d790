// bind-errors.test.ts: a port in use, a privileged port, an address not on this machine: one BindError each.

import { execFile } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pn from "@t/poller-native";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BindError, bindSockets, bindUnixSocket, TCPServer, TCPServerError } from "../src/index.js";
import { LoopFixture } from "./helpers.js";
import { packageRoot } from "./processes.js";

let fx: LoopFixture;
const dirs: string[] = [];
beforeEach(() => {
  fx = new LoopFixture();
});
afterEach(async () => {
  await fx.dispose();
  for (const d of dirs.splice(0)) {
    chmodSync(d, 0o700);
    rmSync(d, { recursive: true, force: true });
  }
});

function server(): TCPServer {
  const s = new TCPServer({ logger: fx.logger, handleStream: (stream) => stream.close() });
  fx.track({ close: () => s.stop() });
  return s;
}

async function rejection(p: Promise<unknown>): Promise<BindError> {
  const err = await p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BindError);
  return err as BindError;
}

/** Runs `source` (an ES module) in a child node, as `nobody` when this process is root. */
function runChild(
  source: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const asRoot = process.getuid?.() === 0;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", source],
      {
        cwd: packageRoot,
        timeout: 20_000,
        ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
        env: { PATH: process.env.PATH ?? "" },
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const distIndex = JSON.stringify(join(packageRoot, "dist", "index.js"));

describe("BindError", () => {
  it("a port in use rejects listen() with code EADDRINUSE and a message naming the address and the fix", async () => {
    const first = server();
    await first.listen(0, "127.0.0.1");
    const { port } = first.addresses()[0] as { port: number };

    const err = await rejection(server().listen(port, "127.0.0.1"));
    expect(err).toBeInstanceOf(TCPServerError);
    expect(err.name).toBe("BindError");
    expect(err).toMatchObject({ code: "EADDRINUSE", syscall: "bind", address: "127.0.0.1", port });
    expect(err.errno).toBe(-(pn.errno.EADDRINUSE as number));
    expect(pn.isSystemError(err)).toBe(true);
    expect(err.message).toBe(
      `cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE); another socket ` +
        `is already listening on port ${port}; stop the program using it, or pass another port ` +
        "(0 lets the system pick a free one)",
    );
    expect(err.cause).toBeUndefined();
    // The failed attempt closed its socket: the first server still owns the port alone.
    expect(first.addresses()).toHaveLength(1);
  });

  it("an IPv6 address in use is written [::1]:port", async () => {
    const first = server();
    await first.listen(0, "::1");
    const { port } = first.addresses()[0] as { port: number };
    const err = await rejection(bindSockets(port, "::1"));
    expect(err).toMatchObject({ code: "EADDRINUSE", address: "::1", port });
    expect(err.message).toMatch(new RegExp(`^cannot listen on \\[::1\\]:${port}: `));
  });

  it("an address that is not on this machine (192.0.2.1, TEST-NET-1) is EADDRNOTAVAIL with advice", async () => {
    const err = await rejection(bindSockets(0, "192.0.2.1"));
    expect(err).toMatchObject({ code: "EADDRNOTAVAIL", syscall: "bind", address: "192.0.2.1" });
    expect(err.message).toMatch(/^cannot listen on 192\.0\.2\.1:0: .* \(EADDRNOTAVAIL\); /);
    expect(err.message).toContain("192.0.2.1 is not an address of this machine");
    expect(err.message).toContain("no address to listen on every interface");
  });

  it("a Unix socket in a directory this user cannot write is EACCES naming the path", async () => {
    const dir = mkdtempSync(join(tmpdir(), "t-bind-eacces-"));
    dirs.push(dir);
    chmodSync(dir, 0o555);
    const path = join(dir, "server.sock");
    // Root writes anywhere, so the bind runs as an unprivileged user.
    const res = await runChild(
      `import { bindUnixSocket } from ${distIndex};
       try { bindUnixSocket(${JSON.stringify(path)}); console.log("bound?!"); }
       catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, syscall: e.syscall,
         address: e.address, port: e.port ?? null, message: e.message })); }`,
    );
    expect(res.stderr).toBe("");
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({
      name: "BindError",
      code: "EACCES",
      syscall: "bind",
      address: path,
    });
    expect(out.port).toBeNull();
    expect(out.message).toBe(
      `cannot listen on ${path}: permission denied (EACCES); this user may not create the ` +
        "socket file there; choose a path in a directory it can write to",
    );
    expect(existsSync(path)).toBe(false);
    expect(typeof bindUnixSocket).toBe("function");
  });

  it("a port below the unprivileged range is EACCES saying which ports need privileges", async () => {
    // Linux: ports below net.ipv4.ip_unprivileged_port_start (1024 by default) need privileges.
    const startFile = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
    const start = existsSync(startFile) ? Number(readFileSync(startFile, "utf8")) : 1024;
    const port = Math.min(start, 1024) - 1;
    const res = await runChild(
      `import { bindSockets } from ${distIndex};
       try { await bindSockets(${port}, "127.0.0.1"); console.log(JSON.stringify({ bound: true })); }
       catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message })); }`,
    );
    expect(res.stderr).toBe("");
    const out = JSON.parse(res.stdout);
    if (port < 1) {
      // This host lets everyone bind every port: the unprivileged bind of port 0 succeeds.
      expect(out).toEqual({ bound: true });
      return;
    }
    expect(out).toMatchObject({ name: "BindError", code: "EACCES" });
    expect(out.message).toMatch(
      new RegExp(`^cannot listen on 127\\.0\\.0\\.1:${port}: permission denied \\(EACCES\\); `),
    );
    expect(out.message).toContain("ports below 1024 need root or the CAP_NET_BIND_SERVICE");
    expect(out.message).toContain("pass a port of 1024 or above");
  });

  it("uncaught, a port in use prints the one-line BindError and no poller-native frames", async () => {
    const first = server();
    await first.listen(0, "127.0.0.1");
    const { port } = first.addresses()[0] as { port: number };
    const res = await runChild(
      `import { TCPServer } from ${distIndex};
       await new TCPServer().listen(${port}, "127.0.0.1");`,
    );
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(
      `BindError: cannot listen on 127.0.0.1:${port}: address already in use (EADDRINUSE); `,
    );
    expect(res.stderr).toContain("code: 'EADDRINUSE'");
    expect(res.stderr).not.toContain("poller-native");
    expect(res.stderr).not.toContain("[cause]");
  });
});
