// End to end: start server.mjs on port 0, run client.mjs against it, stop the server with SIGTERM.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const appDir = fileURLToPath(new URL("..", import.meta.url));

function run(script, env) {
  const child = spawn(process.execPath, [script], {
    cwd: appDir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.output = "";
  child.stdout.on("data", (d) => {
    child.output += d;
  });
  child.stderr.on("data", (d) => {
    child.output += d;
  });
  return child;
}

function waitFor(child, pattern, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.stdout.off("data", check);
      reject(new Error(`no ${pattern} within ${ms} ms; output:\n${child.output}`));
    }, ms);
    const check = () => {
      const m = child.output.match(pattern);
      if (m) {
        clearTimeout(timer);
        child.stdout.off("data", check);
        resolve(m);
      }
    };
    child.stdout.on("data", check);
    check();
  });
}

async function exitCode(child, ms = 10_000) {
  if (child.exitCode !== null) return child.exitCode;
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  const [code] = await once(child, "exit");
  clearTimeout(timer);
  return code;
}

test("the example client proves the secret, calls sum, gets errors and server-pushed ticks, and the server stops on SIGTERM", async (t) => {
  const secret = "example-secret-for-the-e2e-test";
  const server = run("server.mjs", {
    PORT: "0",
    HOST: "127.0.0.1",
    T_LOG_LEVEL: "info",
    RPC_SECRET: secret,
  });
  t.after(() => {
    if (server.exitCode === null) server.kill("SIGKILL");
  });
  const [, port] = await waitFor(server, /listening on 127\.0\.0\.1:(\d+)/);

  const client = run("client.mjs", {
    PORT: port,
    TICKS: "3",
    CLIENT_ID: "test-client",
    RPC_SECRET: secret,
  });
  assert.equal(await exitCode(client), 0, client.output);
  assert.match(client.output, /sum\(1, 2\) = 3/);
  assert.match(client.output, /slowReverse\("stressed"\) = desserts/);
  assert.match(client.output, /fail\(\) -> Error E_APP_FAIL: on purpose/);
  assert.match(
    client.output,
    /tick 1 from the server\ntick 2 from the server\ntick 3 from the server/,
  );
  assert.match(client.output, /subscription done after 3 ticks \(1,2,3\)/);

  await waitFor(server, /client test-client disconnected/);
  assert.match(server.output, /client test-client connected from 127\.0\.0\.1:\d+/);

  server.kill("SIGTERM");
  assert.equal(await exitCode(server), 0, server.output);
  assert.match(server.output, /SIGTERM received; shutting down gracefully/);
});

test("slowReverse clamps a caller's delay to MAX_SLOW_REVERSE_MS (5 s)", async () => {
  const { MAX_SLOW_REVERSE_MS, slowReverse } = await import("../rpc-functions.mjs");
  assert.equal(MAX_SLOW_REVERSE_MS, 5000);
  // An hour asked for: the answer still comes within the clamp (bounded generously).
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("slowReverse waited past 20 s")), 20_000);
  });
  const t0 = Date.now();
  assert.equal(await Promise.race([slowReverse("abc", 3_600_000), late]), "cba");
  clearTimeout(timer);
  assert.ok(Date.now() - t0 >= 4900);
  await assert.rejects(slowReverse("abc", "9"), TypeError);
  assert.equal(await slowReverse("ab", -5), "ba");
});
