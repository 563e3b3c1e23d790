// diagnostics_channel: t.websocket.open and t.websocket.close, published by both of our sides.

import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { connect } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  type WebSocketCloseMessage,
  WebSocketHandler,
  type WebSocketOpenMessage,
  websocketConnect,
} from "../src/index.js";
import { until, WsFixture, within } from "./helpers.js";

let fx: WsFixture;
const opens: WebSocketOpenMessage[] = [];
const closes: WebSocketCloseMessage[] = [];
const onOpen = (m: unknown) => void opens.push(m as WebSocketOpenMessage);
const onClose = (m: unknown) => void closes.push(m as WebSocketCloseMessage);

beforeEach(() => {
  fx = new WsFixture();
  opens.length = 0;
  closes.length = 0;
  subscribe("t.websocket.open", onOpen);
  subscribe("t.websocket.close", onClose);
});
afterEach(async () => {
  unsubscribe("t.websocket.open", onOpen);
  unsubscribe("t.websocket.close", onClose);
  await fx.dispose();
  expect(fx.logger.unexpected()).toEqual([]);
});

class Chat extends WebSocketHandler {
  override selectSubprotocol(offered: string[]) {
    return offered.includes("chat") ? "chat" : null;
  }
  override onMessage(m: string | Buffer) {
    if (m === "bye") this.close(4001, "server says bye");
    else return this.writeMessage(m);
  }
}

describe("WebSocket diagnostics channels", () => {
  it("publishes open and close on the server and the client side, paired by connection", async () => {
    await fx.serve([["/chat", Chat]]);
    const url = fx.url("/chat?room=1");
    const c = await within(websocketConnect(url, { subprotocols: ["x", "chat"] }));
    await c.writeMessage("hello");
    expect(await within(c.readMessage())).toBe("hello");
    await c.writeMessage("bye");
    await within(c.closed);
    await until(() => closes.length === 2);

    const server = opens.find((m) => m.isServer);
    const client = opens.find((m) => !m.isServer);
    expect(opens).toHaveLength(2);
    expect(server).toMatchObject({ url: "/chat?room=1", protocol: "chat", compressed: false });
    expect(client).toMatchObject({ url, protocol: "chat", compressed: false });
    expect(client?.connection).toBe(c.protocol);

    const serverClose = closes.find((m) => m.isServer);
    const clientClose = closes.find((m) => !m.isServer);
    expect(serverClose?.connection).toBe(server?.connection);
    expect(clientClose?.connection).toBe(c.protocol);
    // The client received the server's close frame; the server received the client's echo of it.
    expect(clientClose).toMatchObject({ code: 4001, reason: "server says bye", error: null });
    expect(serverClose).toMatchObject({ code: 4001, error: null });
  });

  it("reports the protocol error that failed a connection", async () => {
    await fx.serve([["/chat", Chat]]);
    const sock = connect(fx.port, "127.0.0.1");
    fx.onDispose(() => sock.destroy());
    await new Promise((r) => sock.once("connect", r));
    sock.write(
      "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    await until(() => opens.length === 1);
    // An unmasked frame from a client is a protocol error (RFC 6455 §5.1): 1002.
    sock.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
    await until(() => closes.length === 1);
    expect(closes[0]).toMatchObject({ isServer: true, code: null });
    expect(closes[0]?.error).toMatchObject({ closeCode: 1002 });
  });
});
