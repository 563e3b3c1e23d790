// The README's examples are real files: run them, and check the README shows them verbatim; its
// Errors table lists exactly the codes of ERROR_CODES.

import { readFileSync } from "node:fs";
import net from "node:net";
import { ERROR_CODES as IOLOOP_CODES } from "@t/ioloop";
import { errorTableProblems } from "@t-tools/testing";
import { afterEach, describe, expect, it } from "vitest";
import * as api from "../src/index.js";
import { exchange, within } from "./helpers.js";
import { killAll, Proc, packageRoot } from "./processes.js";

const sockets: net.Socket[] = [];
afterEach(() => {
  for (const s of sockets) s.destroy();
  sockets.length = 0;
  killAll();
});

const readme = readFileSync(`${packageRoot}README.md`, "utf8");

describe("examples", () => {
  it("examples/echo-server.mjs echoes lines and exits 0 on SIGTERM", async () => {
    const p = new Proc(process.execPath, ["examples/echo-server.mjs", "0"]);
    const port = Number((await p.output(/listening on 127\.0\.0\.1:(\d+)/))[1]);
    const s = net.connect({ host: "127.0.0.1", port });
    sockets.push(s);
    await within(new Promise((r) => s.once("connect", r)), 5000, "connect");
    expect(await exchange(s, "hello\nworld\n")).toBe("hello\nworld\n");
    p.child.kill("SIGTERM");
    s.end();
    expect(await p.exit()).toEqual({ code: 0, signal: null });
  });

  it("the README shows both example files verbatim", () => {
    for (const file of ["examples/echo-server.mjs", "examples/prefork-echo.mjs"]) {
      const code = readFileSync(`${packageRoot}${file}`, "utf8").trim();
      expect(readme.includes(code), `${file} in README`).toBe(true);
    }
  });

  it("the README's Errors table lists every code with its class, and names no other", () => {
    expect(
      errorTableProblems(`${packageRoot}README.md`, api.ERROR_CODES, {
        exports: api,
        unlisted: ["BindError"],
        base: api.TCPServerError,
        foreign: { AbortError: IOLOOP_CODES.AbortError },
      }),
    ).toEqual([]);
  });
});
