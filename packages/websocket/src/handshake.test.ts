// Unit tests of the handshake helpers and the Sec-WebSocket-Extensions parser.

import { describe, expect, it } from "vitest";
import { parseExtensions } from "./extension-header.js";
import {
  checkUpgradeRequest,
  checkUpgradeResponse,
  computeAcceptKey,
  generateKey,
  isValidKey,
} from "./handshake.js";

function headers(init: Record<string, string>) {
  const m = new Map(Object.entries(init).map(([k, v]) => [k.toLowerCase(), v]));
  return { get: (name: string) => m.get(name.toLowerCase()) };
}

const good = {
  Upgrade: "websocket",
  Connection: "keep-alive, Upgrade",
  "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
  "Sec-WebSocket-Version": "13",
};

describe("handshake", () => {
  it("computes the accept key of RFC 6455 §1.3's example", () => {
    expect(computeAcceptKey("dGhlIHNhbXBsZSBub25jZQ==")).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  it("generates keys that are base64 of 16 bytes and differ", () => {
    const a = generateKey();
    expect(isValidKey(a)).toBe(true);
    expect(generateKey()).not.toBe(a);
    expect(isValidKey("short==")).toBe(false);
    expect(isValidKey(undefined)).toBe(false);
  });

  it("accepts a valid upgrade request", () => {
    expect(checkUpgradeRequest("GET", headers(good))).toBeNull();
  });

  it("refuses a missing key with 400 and another version with 426 naming version 13", () => {
    const { "Sec-WebSocket-Key": _k, ...noKey } = good;
    expect(checkUpgradeRequest("GET", headers(noKey))?.status).toBe(400);
    const v8 = checkUpgradeRequest("GET", headers({ ...good, "Sec-WebSocket-Version": "8" }));
    expect(v8?.status).toBe(426);
    expect(v8?.headers).toEqual({ "Sec-WebSocket-Version": "13" });
    expect(checkUpgradeRequest("GET", headers({ ...good, Upgrade: "h2c" }))?.status).toBe(400);
    expect(checkUpgradeRequest("GET", headers({ ...good, Connection: "close" }))?.status).toBe(400);
    expect(checkUpgradeRequest("POST", headers(good))?.status).toBe(405);
  });

  it("checks the server's answer: status, accept hash and subprotocol", () => {
    const key = "dGhlIHNhbXBsZSBub25jZQ==";
    const ok = {
      Upgrade: "websocket",
      Connection: "Upgrade",
      "Sec-WebSocket-Accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
    };
    expect(checkUpgradeResponse(101, headers(ok), key, [])).toBeNull();
    expect(checkUpgradeResponse(200, headers(ok), key, [])).toMatch(/101/);
    expect(
      checkUpgradeResponse(101, headers({ ...ok, "Sec-WebSocket-Accept": "x" }), key, []),
    ).toMatch(/Accept/);
    expect(
      checkUpgradeResponse(101, headers({ ...ok, "Sec-WebSocket-Protocol": "chat" }), key, []),
    ).toMatch(/not offered/);
    expect(
      checkUpgradeResponse(101, headers({ ...ok, "Sec-WebSocket-Protocol": "chat" }), key, [
        "chat",
      ]),
    ).toBeNull();
  });
});

describe("parseExtensions", () => {
  it("parses extensions with bare, token and quoted parameters", () => {
    const r = parseExtensions(
      'permessage-deflate; client_max_window_bits; server_max_window_bits="10", foo',
    );
    expect(r).toEqual([
      {
        name: "permessage-deflate",
        params: new Map<string, string | true>([
          ["client_max_window_bits", true],
          ["server_max_window_bits", "10"],
        ]),
      },
      { name: "foo", params: new Map() },
    ]);
  });

  it("returns null on syntax errors and duplicate parameters", () => {
    expect(parseExtensions("a;;b")).toBeNull();
    expect(parseExtensions("a; b=1; b=2")).toBeNull();
    expect(parseExtensions('a; b="1')).toBeNull();
    expect(parseExtensions("a,")).toBeNull();
  });
});
