// A server's graceful shutdown winds WebSockets down: close frame 1001 "going away", then wait
// for the peer's close (up to the deadline) — not a hard close at the deadline.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { WebSocketHandler } from "../src/index.js";
import { closeEvent, nextMessage, readRaw, WsFixture, within } from "./helpers.js";

let fx: WsFixture;
const closed: (number | null)[] = [];
beforeEach(() => {
  fx = new WsFixture();
  closed.length = 0;
});
afterEach(async () => {
  await fx.dispose();
  expect(fx.logger.unexpected()).toEqual([]);
});

class Echo extends WebSocketHandler {
  override onMessage(m: string | Buffer) {
    return this.writeMessage(m);
  }
  override onClose() {
    closed.push(this.closeCode);
  }
}

describe("shutdown with WebSockets open", () => {
  it("sends 1001 going away, and finishes when the peers answered, well before the deadline", async () => {
    await fx.serve([["/ws", Echo]]);
    const clients = await Promise.all([fx.wsClient("/ws"), fx.wsClient("/ws")]);
    clients[0]?.send("ping");
    expect((await nextMessage(clients[0] as never))[0].toString()).toBe("ping");
    const closes = clients.map((c) => closeEvent(c, 30_000));
    const server = fx.server;
    if (server === null) throw new Error("no server");
    // A long deadline: finishing depends on the peers' close frames, not on the deadline.
    await within(server.shutdown({ deadlineMs: 60_000 }), 30_000, "shutdown");
    for (const [code, reason] of await Promise.all(closes)) {
      expect(code).toBe(1001);
      expect(reason).toBe("going away");
    }
    expect(closed.sort()).toEqual([1001, 1001]); // the peers echoed 1001
    expect(server.connectionCount).toBe(0);
    expect(fx.logger.entries.some((e) => /still open after/.test(e.msg))).toBe(false);
  });

  it("closes a peer that never answers the close at the deadline", async () => {
    await fx.serve([["/ws", Echo]]);
    const s = await fx.raw();
    s.write(
      "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    await readRaw(s, (b) => b.includes("\r\n\r\n"));
    const server = fx.server;
    if (server === null) throw new Error("no server");
    const rest = readRaw(s, () => false, 30_000); // until the server closes the socket
    await within(server.shutdown({ deadlineMs: 200 }), 30_000, "shutdown");
    const bytes = await rest;
    // The close frame: FIN + opcode 8, length 12, status 1001, "going away"; then the close.
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x88, 12, 0x03, 0xe9]));
    expect(bytes.subarray(4).toString()).toBe("going away");
    expect(s.readableEnded || s.destroyed).toBe(true);
  });
});
