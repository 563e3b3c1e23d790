// Unit tests of permessage-deflate negotiation and compression.

import { describe, expect, it } from "vitest";
import { WebSocketHandshakeError } from "./errors.js";
import {
  acceptServerResponse,
  clientOffer,
  negotiateServer,
  PerMessageDeflate,
} from "./permessage-deflate.js";

describe("permessage-deflate negotiation", () => {
  it("accepts a plain offer with default parameters", () => {
    const r = negotiateServer("permessage-deflate; client_max_window_bits", {});
    expect(r?.response).toBe("permessage-deflate");
    expect(r?.params).toEqual({
      serverNoContextTakeover: false,
      clientNoContextTakeover: false,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 15,
    });
  });

  it("honours the client's no_context_takeover and window requests and the server's settings", () => {
    const r = negotiateServer(
      "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits",
      { clientNoContextTakeover: true, clientMaxWindowBits: 12 },
    );
    expect(r?.response).toBe(
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12",
    );
  });

  it("skips offers with invalid parameters and takes the next one", () => {
    const r = negotiateServer(
      "permessage-deflate; server_max_window_bits=7, permessage-deflate; foo, permessage-deflate",
      {},
    );
    expect(r?.response).toBe("permessage-deflate");
    expect(negotiateServer("permessage-deflate; server_max_window_bits=16", {})).toBeNull();
    expect(negotiateServer("x-webkit-deflate-frame", {})).toBeNull();
    expect(negotiateServer("permessage-deflate;;", {})).toBeNull();
  });

  it("validates options", () => {
    expect(() => negotiateServer("permessage-deflate", { level: 10 })).toThrow(RangeError);
    expect(() => clientOffer({ serverMaxWindowBits: 8 })).toThrow(RangeError);
  });

  it("client offer and response checks", () => {
    expect(clientOffer({})).toBe("permessage-deflate; client_max_window_bits");
    expect(clientOffer({ serverNoContextTakeover: true, serverMaxWindowBits: 10 })).toBe(
      "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits",
    );
    expect(acceptServerResponse("permessage-deflate; client_max_window_bits=9", {})).toMatchObject({
      clientMaxWindowBits: 9,
    });
    expect(acceptServerResponse(undefined, {})).toBeNull();
    expect(() => acceptServerResponse("permessage-deflate; bogus", {})).toThrow(
      WebSocketHandshakeError,
    );
    expect(() => acceptServerResponse("foo", {})).toThrow(WebSocketHandshakeError);
    expect(() =>
      acceptServerResponse("permessage-deflate; server_max_window_bits=12", {
        serverMaxWindowBits: 10,
      }),
    ).toThrow(WebSocketHandshakeError);
  });
});

describe("PerMessageDeflate", () => {
  const params = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: 15,
    clientMaxWindowBits: 15,
  };

  it("round-trips messages with context takeover, in order", async () => {
    const server = new PerMessageDeflate(params, true, {}, 1 << 20);
    const client = new PerMessageDeflate(params, false, {}, 1 << 20);
    const msgs = ["hello hello hello", "x".repeat(5000), "", "hello hello hello"].map((s) =>
      Buffer.from(s),
    );
    const compressed = await Promise.all(msgs.map((m) => server.compress(m)));
    // With context takeover, the repeat of the first message compresses to fewer bytes.
    expect(compressed[3].length).toBeLessThan(compressed[0].length);
    for (let i = 0; i < msgs.length; i++) {
      expect((await client.decompress([compressed[i]])).toString()).toBe(msgs[i].toString());
    }
    server.close();
    client.close();
  });

  it("decompresses a message split over fragments", async () => {
    const a = new PerMessageDeflate(params, true, {}, 1 << 20);
    const b = new PerMessageDeflate(params, false, {}, 1 << 20);
    const c = await a.compress(Buffer.from("fragmented message ".repeat(50)));
    const mid = c.length >> 1;
    expect((await b.decompress([c.subarray(0, mid), c.subarray(mid)])).toString()).toBe(
      "fragmented message ".repeat(50),
    );
    a.close();
    b.close();
  });

  it("stops a decompression bomb at maxMessageSize with 1009", async () => {
    const a = new PerMessageDeflate(params, true, {}, 1 << 30);
    const b = new PerMessageDeflate(params, false, {}, 100_000);
    const bomb = await a.compress(Buffer.alloc(5_000_000));
    expect(bomb.length).toBeLessThan(10_000);
    await expect(b.decompress([bomb])).rejects.toMatchObject({ closeCode: 1009 });
    a.close();
    b.close();
  });

  it("rejects corrupt data with 1007", async () => {
    const b = new PerMessageDeflate(params, false, {}, 1000);
    await expect(b.decompress([Buffer.from([0xff, 0xff, 0xff])])).rejects.toMatchObject({
      closeCode: 1007,
    });
    b.close();
  });

  it("does not compress below the threshold nor when the peer demands an 8-bit window", () => {
    const a = new PerMessageDeflate(params, true, { threshold: 100 }, 1000);
    expect(a.shouldCompress(99)).toBe(false);
    expect(a.shouldCompress(100)).toBe(true);
    const eight = new PerMessageDeflate({ ...params, serverMaxWindowBits: 8 }, true, {}, 1000);
    expect(eight.shouldCompress(1 << 20)).toBe(false);
  });
});
