// system-error.test.ts: systemError() builds the very errors the addon throws (one formatter for C++ and JS).
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  bind,
  bindUnix,
  close,
  connect,
  connectUnix,
  constants,
  errno,
  getsockname,
  getsockopt,
  isSystemError,
  listen,
  pipe,
  type SystemError,
  setsockopt,
  socket,
  systemError,
  WRITE,
  write,
} from "../src/index.js";
import { closeAll, closeNow, Recorder, track } from "./helpers.js";

let tmp = "";
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "poller-native-syserr-"));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(closeAll);

function thrownBy(fn: () => unknown): SystemError {
  try {
    fn();
  } catch (e) {
    expect(isSystemError(e)).toBe(true);
    return e as SystemError;
  }
  throw new Error("expected a throw");
}

/** Everything but the stack: prototype, own property names in order, and their values. */
function shape(e: Error): unknown {
  const own = Object.getOwnPropertyNames(e).filter((k) => k !== "stack");
  return {
    proto: Object.getPrototypeOf(e),
    name: e.name,
    keys: own,
    values: Object.fromEntries(own.map((k) => [k, (e as unknown as Record<string, unknown>)[k]])),
    enumerable: Object.keys(e),
  };
}

/** The systemError() options that describe a thrown error. */
function optionsOf(e: SystemError) {
  return { errno: e.errno, syscall: e.syscall, fd: e.fd, address: e.address, port: e.port };
}

describe("systemError() against errors thrown by the addon", () => {
  it("bind EADDRINUSE on 127.0.0.1 (fd, address, port): same message and properties", () => {
    const a = track(socket(4));
    bind(a, "127.0.0.1", 0);
    listen(a, 1);
    const { port } = getsockname(a);
    const b = track(socket(4));
    const thrown = thrownBy(() => bind(b, "127.0.0.1", port));
    const built = systemError({
      errno: -(errno.EADDRINUSE as number),
      syscall: "bind",
      fd: b,
      address: "127.0.0.1",
      port,
    });
    expect(built.message).toBe(
      `bind EADDRINUSE 127.0.0.1:${port} (fd ${b}): address already in use`,
    );
    expect(shape(built)).toEqual(shape(thrown));
  });

  it("bind EADDRINUSE on ::1 puts the IPv6 address in brackets, the same way", () => {
    const a = track(socket(6));
    setsockopt(a, constants.IPPROTO_IPV6 as number, constants.IPV6_V6ONLY as number, 1);
    bind(a, "::1", 0);
    listen(a, 1);
    const { port } = getsockname(a);
    const b = track(socket(6));
    setsockopt(b, constants.IPPROTO_IPV6 as number, constants.IPV6_V6ONLY as number, 1);
    const thrown = thrownBy(() => bind(b, "::1", port));
    const built = systemError(optionsOf(thrown));
    expect(built.message).toBe(`bind EADDRINUSE [::1]:${port} (fd ${b}): address already in use`);
    expect(shape(built)).toEqual(shape(thrown));
  });

  it("write EPIPE (fd only) and connectUnix ECONNREFUSED (a path, no port)", () => {
    const [r, w] = track(pipe());
    closeNow(r);
    const epipe = thrownBy(() => write(w, Buffer.alloc(1), 0, 1));
    expect(shape(systemError(optionsOf(epipe)))).toEqual(shape(epipe));
    expect(systemError({ errno: epipe.errno, syscall: "write", fd: w }).message).toBe(
      `write EPIPE (fd ${w}): broken pipe`,
    );

    const path = join(tmp, "dead.sock");
    const l = socket("unix");
    bindUnix(l, path);
    close(l);
    const c = track(socket("unix"));
    const refused = thrownBy(() => connectUnix(c, path));
    expect(refused.port).toBeUndefined();
    const built = systemError(optionsOf(refused));
    expect(built.message).toBe(`connect ECONNREFUSED ${path} (fd ${c}): connection refused`);
    expect(shape(built)).toEqual(shape(refused));
  });

  it("an unparsable address throws EINVAL from C++ and is rebuilt identically", () => {
    const s = track(socket(4));
    // A scope id that isIP() accepts but that names no interface: the addon refuses to parse it.
    const e = thrownBy(() => connect(s, "fe80::1%no-such-if0", 80));
    expect(e.code).toBe("EINVAL");
    expect(shape(systemError(optionsOf(e)))).toEqual(shape(e));
  });
});

describe("systemError() for errors learned through SO_ERROR", () => {
  it("a refused TCP connect reads like the thrown errors (positive SO_ERROR accepted)", async () => {
    const probe = socket(4);
    bind(probe, "127.0.0.1", 0);
    const { port } = getsockname(probe);
    close(probe); // nobody listens there now
    const rec = new Recorder("epoll");
    const c = track(socket(4));
    expect(connect(c, "127.0.0.1", port)).toBe(-(errno.EINPROGRESS as number));
    rec.poller.add(c, WRITE);
    await rec.next(c);
    const soError = getsockopt(c, constants.SOL_SOCKET as number, constants.SO_ERROR as number);
    expect(soError).toBe(errno.ECONNREFUSED);
    const e = systemError({
      errno: soError,
      syscall: "connect",
      fd: c,
      address: "127.0.0.1",
      port,
    });
    expect(e).toBeInstanceOf(Error);
    expect(isSystemError(e)).toBe(true);
    expect(e.message).toBe(`connect ECONNREFUSED 127.0.0.1:${port} (fd ${c}): connection refused`);
    expect(e).toMatchObject({
      code: "ECONNREFUSED",
      errno: -(errno.ECONNREFUSED as number),
      syscall: "connect",
      fd: c,
      address: "127.0.0.1",
      port,
    });
    expect(shape(e)).toEqual(shape(systemError({ ...optionsOf(e), errno: -soError })));
  });

  it("leaves out what is not given: no fd, no address, and a port only with an address", () => {
    const e = systemError({ errno: errno.ECONNRESET as number, syscall: "socket" });
    expect(e.message).toBe("socket ECONNRESET: connection reset by peer");
    expect(Object.keys(e)).toEqual(["code", "errno", "syscall"]);
    const portOnly = systemError({ errno: errno.ECONNRESET as number, syscall: "read", port: 80 });
    expect(portOnly.message).toBe("read ECONNRESET: connection reset by peer");
    expect("port" in portOnly).toBe(false);
  });

  it("rejects arguments it cannot format with TypeError or RangeError", () => {
    expect(() => systemError({ errno: 0, syscall: "x" })).toThrow(RangeError);
    expect(() => systemError({ errno: 1.5, syscall: "x" })).toThrow(RangeError);
    expect(() => systemError({ errno: -1, syscall: 7 as unknown as string })).toThrow(TypeError);
    expect(() => systemError({ errno: -1, syscall: "x", fd: -1 })).toThrow(RangeError);
    expect(() => systemError({ errno: -1, syscall: "x", address: "a", port: 65536 })).toThrow(
      RangeError,
    );
    expect(() => systemError({ errno: -1, syscall: "x", address: "a\0b" })).toThrow(TypeError);
    expect(() => systemError({ errno: -1, syscall: "x", address: "a".repeat(256) })).toThrow(
      RangeError,
    );
    expect(() => systemError(null as unknown as { errno: number; syscall: string })).toThrow(
      TypeError,
    );
  });
});
