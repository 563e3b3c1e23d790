// syscalls.test.ts: socket/pipe calls on 127.0.0.1, ::1 and unix sockets, negative errno returns, thrown system errors.
import { readFileSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  accept,
  bind,
  bindUnix,
  close,
  connect,
  connectUnix,
  constants,
  decodeSockaddr,
  errno,
  errnoName,
  getpeername,
  getsockname,
  getsockopt,
  isSystemError,
  listen,
  pipe,
  READ,
  read,
  SOCKADDR_SIZE,
  setCloseOnExec,
  setNonBlocking,
  setsockopt,
  shutdown,
  socket,
  socketpair,
  WRITE,
  write,
  writev,
} from "../src/index.js";
import { closeAll, closeNow, Recorder, testedBackends, track } from "./helpers.js";

const EAGAIN = errno.EAGAIN as number;
const scratch = Buffer.alloc(65536);
let tmp = "";
let sockSeq = 0;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), "poller-native-"));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});
afterEach(closeAll);

function caught(fn: () => unknown): Record<string, unknown> {
  try {
    fn();
  } catch (e) {
    expect(isSystemError(e)).toBe(true);
    return e as unknown as Record<string, unknown>;
  }
  throw new Error("expected a throw");
}

/** Reads from fd until `bytes` arrived, waiting for READ through the poller. */
async function readAll(rec: Recorder, fd: number, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  while (got < bytes) {
    const n = read(fd, scratch, 0, scratch.length);
    if (n === -EAGAIN) {
      await rec.next(fd);
      continue;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(scratch.subarray(0, n)));
    got += n;
  }
  return Buffer.concat(chunks);
}

function flags(fd: number): number {
  const info = readFileSync(`/proc/self/fdinfo/${fd}`, "utf8");
  return Number.parseInt(/flags:\s+([0-7]+)/.exec(info)?.[1] ?? "0", 8);
}
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;

interface Family {
  name: string;
  listenOn(): { fd: number; connectTo(fd: number): number; address: string };
}

const families: Family[] = [
  {
    name: "127.0.0.1",
    listenOn() {
      const fd = track(socket(4));
      setsockopt(fd, constants.SOL_SOCKET as number, constants.SO_REUSEADDR as number, 1);
      bind(fd, "127.0.0.1", 0);
      listen(fd, 16);
      const { port } = getsockname(fd);
      return { fd, address: "127.0.0.1", connectTo: (c) => connect(c, "127.0.0.1", port) };
    },
  },
  {
    name: "::1",
    listenOn() {
      const fd = track(socket(6));
      setsockopt(fd, constants.IPPROTO_IPV6 as number, constants.IPV6_V6ONLY as number, 1);
      bind(fd, "::1", 0);
      listen(fd, 16);
      const { port } = getsockname(fd);
      return { fd, address: "::1", connectTo: (c) => connect(c, "::1", port) };
    },
  },
  {
    name: "unix",
    listenOn() {
      const fd = track(socket("unix"));
      const path = join(tmp, `s${sockSeq++}.sock`);
      bindUnix(fd, path);
      listen(fd, 16);
      return { fd, address: path, connectTo: (c) => connectUnix(c, path) };
    },
  },
];

describe.each(testedBackends)("syscalls with the %s poller", (backend) => {
  describe.each(families)("over $name", (family) => {
    it("listen/accept/connect/read/write/writev/shutdown round-trip", async () => {
      const rec = new Recorder(backend);
      const server = family.listenOn();
      const peer = Buffer.alloc(SOCKADDR_SIZE);
      expect(accept(server.fd, peer)).toBe(-EAGAIN);

      const c = track(socket(family.name === "unix" ? "unix" : family.name === "::1" ? 6 : 4));
      const rc = server.connectTo(c);
      expect([0, -(errno.EINPROGRESS as number)]).toContain(rc);
      rec.poller.add(c, WRITE);
      expect((await rec.next(c)) & WRITE).toBe(WRITE);
      expect(getsockopt(c, constants.SOL_SOCKET as number, constants.SO_ERROR as number)).toBe(0);

      rec.poller.add(server.fd, READ);
      let s = accept(server.fd, peer);
      if (s < 0) {
        await rec.next(server.fd);
        s = accept(server.fd, peer);
      }
      track(s);
      expect(s).toBeGreaterThan(0);
      expect(flags(s) & O_NONBLOCK).toBe(O_NONBLOCK);
      expect(flags(s) & O_CLOEXEC).toBe(O_CLOEXEC);
      const addr = decodeSockaddr(peer);
      if (family.name === "unix") {
        expect(addr).toEqual({ family: "unix", address: "", port: 0 });
        expect(getsockname(s).address).toBe(server.address);
      } else {
        expect(addr.family).toBe(family.name === "::1" ? "IPv6" : "IPv4");
        expect(addr.address).toBe(server.address);
        expect(addr.port).toBe(getsockname(c).port);
        expect(getpeername(s)).toEqual(addr);
        expect(getpeername(c).port).toBe(getsockname(server.fd).port);
      }

      // Nothing to read yet: a negative errno, not an exception.
      expect(read(s, scratch, 0, 100)).toBe(-EAGAIN);
      const hello = Buffer.from("hello, ");
      expect(write(c, hello, 0, hello.length)).toBe(hello.length);
      const parts = [Buffer.from("wor"), new Uint8Array([108, 100]), Buffer.from("!!")];
      expect(writev(c, parts, 2)).toBe(5);
      rec.poller.add(s, READ);
      expect((await readAll(rec, s, 12)).toString()).toBe("hello, world");

      // The server answers with a slice; the client half-closes.
      const reply = Buffer.from("xxOKxx");
      expect(write(s, reply, 2, 2)).toBe(2);
      rec.poller.modify(c, READ);
      expect((await readAll(rec, c, 2)).toString()).toBe("OK");
      shutdown(c, constants.SHUT_WR as number);
      expect(await rec.next(s)).toBe(READ);
      expect(read(s, scratch, 0, 10)).toBe(0);
    });

    it("write returns -EAGAIN when the socket buffer is full", () => {
      const server = family.listenOn();
      const c = track(socket(family.name === "unix" ? "unix" : family.name === "::1" ? 6 : 4));
      server.connectTo(c);
      const big = Buffer.alloc(1 << 16);
      let total = 0;
      let last = 0;
      const deadline = Date.now() + 3000;
      // The connection may still be in progress for TCP: EAGAIN then as well.
      while (Date.now() < deadline) {
        last = write(c, big, 0, big.length);
        if (last < 0) break;
        total += last;
      }
      expect(last).toBe(-EAGAIN);
      expect(total).toBeGreaterThanOrEqual(0);
      expect(server.fd).toBeGreaterThan(0);
    });
  });
});

describe("syscall errors", () => {
  it("EADDRINUSE carries code, errno, syscall, fd, address and port", () => {
    const a = track(socket(4));
    bind(a, "127.0.0.1", 0);
    listen(a, 1);
    const { port } = getsockname(a);
    const b = track(socket(4));
    const e = caught(() => bind(b, "127.0.0.1", port));
    expect(e.code).toBe("EADDRINUSE");
    expect(e.errno).toBe(-(errno.EADDRINUSE as number));
    expect(e.syscall).toBe("bind");
    expect(e.fd).toBe(b);
    expect(e.address).toBe("127.0.0.1");
    expect(e.port).toBe(port);
    expect(e.message).toBe(`bind EADDRINUSE 127.0.0.1:${port} (fd ${b}): address already in use`);
  });

  it("ECONNREFUSED: pending TCP connect reports it through SO_ERROR", async () => {
    // Grab a free port and close it so that nobody listens there.
    const probe = socket(4);
    bind(probe, "127.0.0.1", 0);
    const { port } = getsockname(probe);
    close(probe);
    const rec = new Recorder("epoll");
    const c = track(socket(4));
    expect(connect(c, "127.0.0.1", port)).toBe(-(errno.EINPROGRESS as number));
    rec.poller.add(c, WRITE);
    const ev = await rec.next(c);
    expect(ev & WRITE).toBe(WRITE);
    expect(getsockopt(c, constants.SOL_SOCKET as number, constants.SO_ERROR as number)).toBe(
      errno.ECONNREFUSED,
    );
  });

  it("ECONNREFUSED: connectUnix to a socket file without a listener throws", async () => {
    const path = join(tmp, "dead.sock");
    const l = socket("unix");
    bindUnix(l, path);
    close(l);
    const c = track(socket("unix"));
    const e = caught(() => connectUnix(c, path));
    expect(e.code).toBe("ECONNREFUSED");
    expect(e.syscall).toBe("connect");
    expect(e.address).toBe(path);
    expect(String(e.message)).toContain(path);
    const missing = caught(() => connectUnix(c, join(tmp, "nope.sock")));
    expect(missing.code).toBe("ENOENT");
  });

  it("EBADF from read, write and close of a closed descriptor", () => {
    const [r, w] = pipe();
    close(r);
    close(w);
    for (const fn of [
      () => read(r, scratch, 0, 1),
      () => write(w, scratch, 0, 1),
      () => writev(w, [scratch]),
      () => close(r),
    ]) {
      const e = caught(fn);
      expect(e.code).toBe("EBADF");
      expect(e.errno).toBe(-(errno.EBADF as number));
    }
    expect(caught(() => read(r, scratch, 0, 1)).syscall).toBe("read");
  });

  it("EPIPE is thrown (not SIGPIPE) when writing to a closed peer, for sockets and pipes", () => {
    const [a, b] = track(socketpair());
    closeNow(b);
    expect(caught(() => write(a, scratch, 0, 1)).code).toBe("EPIPE");
    expect(caught(() => writev(a, [scratch.subarray(0, 1)])).code).toBe("EPIPE");
    const [r, w] = track(pipe());
    closeNow(r);
    const e = caught(() => write(w, scratch, 0, 1));
    expect(e.code).toBe("EPIPE");
    expect(e.message).toBe(`write EPIPE (fd ${w}): broken pipe`);
  });

  it("ECONNRESET is thrown by read after the peer resets", async () => {
    const l = track(socket(4));
    bind(l, "127.0.0.1", 0);
    listen(l, 4);
    const c = track(socket(4));
    connect(c, "127.0.0.1", getsockname(l).port);
    const rec = new Recorder("epoll");
    rec.poller.add(l, READ);
    await rec.next(l);
    const s = track(accept(l));
    write(s, Buffer.from("unread"), 0, 6);
    rec.poller.add(c, READ);
    await rec.next(c);
    // Closing with unread data makes Linux send RST instead of FIN.
    rec.poller.add(s, READ);
    closeNow(c);
    await rec.next(s);
    expect(caught(() => read(s, scratch, 0, 10)).code).toBe("ECONNRESET");
  });

  it("errnoName and the errno table agree", () => {
    expect(errnoName(-EAGAIN)).toBe("EAGAIN");
    expect(errnoName(-(errno.ECONNRESET as number))).toBe("ECONNRESET");
    expect(() => errnoName(11)).toThrow(RangeError);
    for (const k of ["EAGAIN", "EINPROGRESS", "EPIPE", "EMFILE", "ENFILE", "ETIMEDOUT"]) {
      expect(typeof errno[k]).toBe("number");
    }
    expect(Object.isFrozen(errno)).toBe(true);
  });
});

describe("descriptors", () => {
  it("pipe, socketpair and socket are non-blocking and close-on-exec; flags can be toggled", () => {
    const [r, w] = track(pipe());
    const [a, b] = track(socketpair("dgram"));
    const s = track(socket(6, "dgram"));
    for (const fd of [r, w, a, b, s]) {
      expect(flags(fd) & O_NONBLOCK).toBe(O_NONBLOCK);
      expect(flags(fd) & O_CLOEXEC).toBe(O_CLOEXEC);
    }
    setCloseOnExec(r, false);
    expect(flags(r) & O_CLOEXEC).toBe(0);
    setNonBlocking(r, false);
    expect(flags(r) & O_NONBLOCK).toBe(0);
    setNonBlocking(r, true);
    setCloseOnExec(r, true);
    expect(flags(r) & (O_NONBLOCK | O_CLOEXEC)).toBe(O_NONBLOCK | O_CLOEXEC);
    // Datagram socketpair keeps message boundaries.
    expect(write(a, Buffer.from("one"), 0, 3)).toBe(3);
    expect(write(a, Buffer.from("two"), 0, 3)).toBe(3);
    expect(read(b, scratch, 0, 100)).toBe(3);
    expect(read(b, scratch, 0, 100)).toBe(3);
    expect(read(b, scratch, 0, 100)).toBe(-EAGAIN);
  });

  it("setsockopt/getsockopt round-trip TCP_NODELAY and SO_REUSEADDR", () => {
    const s = track(socket(4));
    const { IPPROTO_TCP, TCP_NODELAY, SOL_SOCKET, SO_REUSEADDR } = constants as Record<
      string,
      number
    >;
    expect(getsockopt(s, IPPROTO_TCP as number, TCP_NODELAY as number)).toBe(0);
    setsockopt(s, IPPROTO_TCP as number, TCP_NODELAY as number, 1);
    expect(getsockopt(s, IPPROTO_TCP as number, TCP_NODELAY as number)).not.toBe(0);
    setsockopt(s, SOL_SOCKET as number, SO_REUSEADDR as number, 1);
    expect(getsockopt(s, SOL_SOCKET as number, SO_REUSEADDR as number)).not.toBe(0);
    expect(caught(() => getsockopt(s, SOL_SOCKET as number, 9999)).code).toBe("ENOPROTOOPT");
  });

  it("writev on a pipe uses writev(2) and caps the count at IOV_MAX", () => {
    const [r, w] = track(pipe());
    const ones = Array.from({ length: (constants.IOV_MAX as number) + 100 }, () =>
      Buffer.from("a"),
    );
    expect(writev(w, ones)).toBe(constants.IOV_MAX);
    expect(read(r, scratch, 0, scratch.length)).toBe(constants.IOV_MAX);
    expect(writev(w, [])).toBe(0);
  });

  it("rejects bad arguments with TypeError and RangeError", () => {
    const [r] = track(pipe());
    expect(() => read(r, "nope" as never, 0, 1)).toThrow(TypeError);
    expect(() => read(r, scratch, -1, 1)).toThrow(RangeError);
    expect(() => read(r, scratch, 0, scratch.length + 1)).toThrow(RangeError);
    expect(() => read(r, scratch, 0.5, 1)).toThrow(RangeError);
    expect(() => read(-1, scratch, 0, 1)).toThrow(RangeError);
    expect(() => read("3" as never, scratch, 0, 1)).toThrow(TypeError);
    expect(() => write(r, new Uint16Array(4) as never, 0, 1)).toThrow(TypeError);
    expect(() => writev(r, "x" as never)).toThrow(TypeError);
    expect(() => writev(r, [scratch], 2)).toThrow(RangeError);
    expect(() => writev(r, [1 as never])).toThrow(TypeError);
    expect(() => accept(r, Buffer.alloc(16))).toThrow(RangeError);
    expect(() => decodeSockaddr(Buffer.alloc(16))).toThrow(RangeError);
    expect(() => socket(5 as never)).toThrow(TypeError);
    expect(() => socket(4, "raw" as never)).toThrow(TypeError);
    const s = track(socket(4));
    expect(() => bind(s, "localhost", 80)).toThrow(TypeError);
    expect(() => bind(s, "127.0.0.1", 70000)).toThrow(RangeError);
    expect(() => connect(s, "127.0.0.1", 1.5)).toThrow(TypeError);
    expect(() => bindUnix(s, "")).toThrow(TypeError);
    expect(() => shutdown(s, 7)).toThrow(RangeError);
    expect(() => setNonBlocking(s, 1 as never)).toThrow(TypeError);
    const u = track(socket("unix"));
    expect(() => bindUnix(u, `/tmp/${"x".repeat(200)}`)).toThrow(RangeError);
  });
});
