// Scale-out: demo instances on different ports share the chat through a real redis-server.

import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import {
  CookieJar,
  freePort,
  has,
  killAll,
  noteMissing,
  spawnTracked,
  startDemoProcess,
  waitFor,
} from "./helpers.js";

/** A JSON frame of the chat socket. */
interface Frame {
  type?: string;
  error?: string;
  messages?: { id: string; body: string; from: string; via: string }[];
}

afterEach(killAll);

const HAS_REDIS = has("redis-server");
noteMissing("redis-server", "apt-get install redis-server");

/** Start redis-server on a free loopback port, no persistence; resolves with its URL. */
async function startRedis(): Promise<string> {
  const port = await freePort();
  const p = spawnTracked("redis-server", [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
  ]);
  await Promise.race([
    waitFor(
      "redis-server to accept connections",
      () => /Ready to accept connections/.test(p.stdout()),
      10_000,
    ),
    p.exited.then((code) => {
      throw new Error(`redis-server exited (${code}):\n${p.stdout()}${p.stderr()}`);
    }),
  ]);
  return `redis://127.0.0.1:${port}`;
}

/** Long polls waiting on the instance at `url` (from its /healthz). */
async function chatWaiters(url: string): Promise<number> {
  const res = await fetch(`${url}/healthz`, { headers: { Connection: "close" } });
  return (JSON.parse(await res.text()) as { chatWaiters: number }).chatWaiters;
}

async function post(url: string, body: string): Promise<{ id: string; via: string }> {
  const jar = new CookieJar();
  const html = await (await jar.fetch(`${url}/chat`)).text();
  const token = (/name="_xsrf" value="([^"]+)"/.exec(html) as RegExpExecArray)[1];
  const res = await jar.fetch(`${url}/chat/new`, {
    method: "POST",
    body: new URLSearchParams({ _xsrf: token, body }),
  });
  expect(res.status).toBe(200);
  return (await res.json()).message;
}

describe.skipIf(!HAS_REDIS)("chat shared through Redis pub/sub", () => {
  it("a message posted on one instance reaches long polls and WebSockets on another", async () => {
    const redis = await startRedis();
    const a = await startDemoProcess(["--redis", redis, "--instance", "A"]);
    const b = await startDemoProcess(["--redis", redis, "--instance", "B"]);
    expect(a.port).not.toBe(b.port);
    expect(JSON.parse(await (await fetch(`${b.url}/healthz`)).text()).chatBackend).toBe("redis");

    const poll = fetch(`${b.url}/chat/updates`).then((r) => r.json());
    const ws = new WebSocket(`${b.url.replace("http", "ws")}/chat/socket`, {
      headers: { Origin: b.url },
    });
    const frames: Frame[] = [];
    ws.on("message", (raw) => frames.push(JSON.parse(String(raw))));
    await waitFor("the socket on B", () => frames.length > 0, 5000);
    await waitFor("the long poll waiting on B", () => chatWaiters(b.url).then((n) => n === 1));

    const sent = await post(a.url, "from A");
    expect(sent.via).toBe("A");
    const got = await poll;
    expect(got.messages.map((m: { body: string; via: string }) => [m.body, m.via])).toEqual([
      ["from A", "A"],
    ]);
    await waitFor(
      "the frame on B",
      () => frames.some((f) => f.messages?.[0]?.body === "from A"),
      5000,
    );

    // The other way round, over the socket of B: A's long poll (from A's cursor) gets it.
    const pollA = fetch(`${a.url}/chat/updates?cursor=${sent.id}`).then((r) => r.json());
    await waitFor("the long poll waiting on A", () => chatWaiters(a.url).then((n) => n === 1));
    ws.send(JSON.stringify({ body: "from B" }));
    const gotA = await pollA;
    expect(gotA.messages.map((m: { body: string; via: string }) => [m.body, m.via])).toEqual([
      ["from B", "B"],
    ]);
    ws.terminate();

    // An instance started later loads the history: same messages, same ids (cursors work anywhere).
    const c = await startDemoProcess(["--redis", redis, "--instance", "C"]);
    const history = await (await fetch(`${c.url}/chat/updates?cursor=${sent.id}`)).json();
    expect(history.messages.map((m: { body: string }) => m.body)).toEqual(["from B"]);
  });
});

describe("--redis when Redis is unreachable", () => {
  it("exits with status 1 and says which Redis it could not use", async () => {
    const port = await freePort(); // nothing listens there
    const p = spawnTracked(process.execPath, [
      "src/main.mjs",
      "--port",
      "0",
      "--redis",
      `redis://127.0.0.1:${port}`,
    ]);
    const code = await Promise.race([
      p.exited,
      new Promise((r) => setTimeout(() => r("timeout"), 15_000)),
    ]);
    expect(code).toBe(1);
    expect(p.stderr()).toContain(`cannot use Redis at redis://127.0.0.1:${port}`);
  });
});
