// Hello authentication over real TCP: the HMAC challenge, per-client keys, the authenticate hook.

import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  type CallContext,
  type HelloInfo,
  RpcAuthenticationError,
  RpcServer,
} from "../src/index.js";
import { frame, readMessage, rejection, useRpcFixture, within } from "./helpers.js";

const fx = useRpcFixture();

const SECRET = "s3cret-shared-by-the-fleet-0123456789";

/** The documented answer, computed independently of the package. */
function mac(secret: string, nonce: Uint8Array, clientId: string): Buffer {
  return createHmac("sha256", secret).update(nonce).update(clientId, "utf8").digest();
}

describe("shared-secret HMAC challenge", () => {
  it("accepts a client that knows the secret, both directions work", async () => {
    const { server, port } = await fx.server({ secret: SECRET });
    server.register("who", (ctx: CallContext) => ctx.clientId, { context: true });
    const client = await fx.connect(port, { clientId: "alice", secret: SECRET });
    client.register("hi", () => "hi from alice");
    expect(await client.call("who")).toBe("alice");
    expect(await server.call("alice", "hi")).toBe("hi from alice");
  });

  it("refuses a hello with a wrong HMAC with RpcAuthenticationError and keeps serving others", async () => {
    fx.expectLog(/RPC hello from 127\.0\.0\.1:\d+ as "alice" refused: wrong hmac/);
    const { server, port } = await fx.server({ secret: SECRET });
    server.register("sum", (x: number, y: number) => x + y);
    const connects: string[] = [];
    server.on("connect", (id) => connects.push(id));
    const intruder = fx.client({ clientId: "alice", secret: "not-the-fleet-secret-at-all!" });
    const err = await rejection(intruder.connect("127.0.0.1", port));
    expect(err).toBeInstanceOf(RpcAuthenticationError);
    expect((err as RpcAuthenticationError).code).toBe("T_ERR_RPC_AUTH");
    expect(intruder.connected).toBe(false);
    expect(server.clients()).toEqual([]);
    const alice = await fx.connect(port, { clientId: "alice", secret: SECRET });
    expect(await alice.call("sum", 2, 3)).toBe(5);
    expect(connects).toEqual(["alice"]);
  });

  it("refuses a client without a secret with a message saying one is needed", async () => {
    const { port } = await fx.server({ secret: SECRET });
    const err = await rejection(fx.connect(port, { clientId: "bare" }));
    expect(err).toBeInstanceOf(RpcAuthenticationError);
    expect(err.message).toMatch(/authentication required.*HMAC-SHA256/);
  });

  it("speaks the documented wire format: challenge with a 32-byte nonce, then the HMAC hello", async () => {
    fx.expectLog(/refused: wrong hmac/);
    const { server, port } = await fx.server({ secret: SECRET });
    // A correct answer.
    const raw = await fx.raw(port);
    await raw.write(frame([3, 7, "raw-client"]));
    const challenge = (await readMessage(raw)) as [number, number, Record<string, unknown>, null];
    expect(challenge[0]).toBe(1);
    expect(challenge[1]).toBe(7);
    expect(challenge[2].code).toBe("T_ERR_RPC_AUTH");
    const nonce = (challenge[2].data as { nonce: Uint8Array }).nonce;
    expect(nonce).toBeInstanceOf(Uint8Array);
    expect(nonce.length).toBe(32);
    await raw.write(frame([3, 7, "raw-client", { hmac: mac(SECRET, nonce, "raw-client") }]));
    expect(await readMessage(raw)).toEqual([1, 7, null, "raw-client"]);
    expect(server.clients()).toEqual(["raw-client"]);
    // A wrong one: an error reply, then the server closes the connection.
    const bad = await fx.raw(port);
    await bad.write(frame([3, 1, "raw-client-2"]));
    const c2 = (await readMessage(bad)) as [number, number, { data: { nonce: Uint8Array } }];
    const wrong = mac(SECRET, c2[2].data.nonce, "someone-else");
    await bad.write(frame([3, 1, "raw-client-2", { hmac: wrong }]));
    const refusal = (await readMessage(bad)) as [number, number, Record<string, unknown>, null];
    expect(refusal[1]).toBe(1);
    expect(refusal[2].code).toBe("T_ERR_RPC_AUTH");
    expect(refusal[2].data).toBeUndefined();
    await within(bad.readUntilClose());
    expect(server.clients()).toEqual(["raw-client"]);
  });

  it("never answers requests sent before the hello was accepted", async () => {
    fx.expectLog(/expected a hello frame first/);
    const { server, port } = await fx.server({ secret: SECRET });
    let ran = false;
    server.register("sum", (x: number, y: number) => {
      ran = true;
      return x + y;
    });
    const raw = await fx.raw(port);
    await raw.write(Buffer.concat([frame([3, 1, "eager"]), frame([0, 2, "sum", [1, 2]])]));
    await readMessage(raw); // the challenge
    await within(raw.readUntilClose());
    expect(ran).toBe(false);
  });

  it("per-client keys: a client can only claim the id whose key it holds", async () => {
    fx.expectLog(/as "bob" refused: wrong hmac/);
    fx.expectLog(/as "mallory" refused: no secret for this client id/);
    const keys: Record<string, string> = {
      alice: "alice-key-0123456789abcdef",
      bob: "bob-key-0123456789abcdef!!",
    };
    const { port } = await fx.server({ secret: async (id) => keys[id] });
    const alice = await fx.connect(port, { clientId: "alice", secret: keys.alice });
    expect(alice.connected).toBe(true);
    const asBob = await rejection(fx.connect(port, { clientId: "bob", secret: keys.alice }));
    expect(asBob).toBeInstanceOf(RpcAuthenticationError);
    const unknown = await rejection(fx.connect(port, { clientId: "mallory", secret: keys.alice }));
    expect(unknown).toBeInstanceOf(RpcAuthenticationError);
  });

  it('"replace" mode: only a client with the right HMAC can take over a live id', async () => {
    fx.expectLog(/as "dup" refused: wrong hmac/);
    const { server, port } = await fx.server({ secret: SECRET, onDuplicateClientId: "replace" });
    const first = await fx.connect(port, { clientId: "dup", secret: SECRET, reconnect: false });
    first.register("which", () => "first");
    const intruder = await rejection(
      fx.connect(port, { clientId: "dup", secret: "guessed-secret-0123456789" }),
    );
    expect(intruder).toBeInstanceOf(RpcAuthenticationError);
    expect(first.connected).toBe(true);
    expect(await server.call("dup", "which")).toBe("first");
    const firstGone = new Promise((r) => first.once("disconnect", r));
    const second = await fx.connect(port, { clientId: "dup", secret: SECRET });
    second.register("which", () => "second");
    await within(firstGone);
    expect(await server.call("dup", "which")).toBe("second");
  });
});

describe("the authenticate hook", () => {
  it("sees the client id, credentials, address and stream; false refuses, true accepts", async () => {
    fx.expectLog(/as "eve" refused: the authenticate hook said no/);
    const seen: HelloInfo[] = [];
    const { server, port } = await fx.server({
      authenticate: async (hello, stream) => {
        seen.push(hello);
        expect(stream.closed()).toBe(false);
        return (hello.credentials as { token?: string } | undefined)?.token === "t0ken";
      },
    });
    server.register("sum", (x: number, y: number) => x + y);
    const ok = await fx.connect(port, { clientId: "carol", credentials: { token: "t0ken" } });
    expect(await ok.call("sum", 1, 1)).toBe(2);
    const err = await rejection(fx.connect(port, { clientId: "eve", credentials: { token: "x" } }));
    expect(err).toBeInstanceOf(RpcAuthenticationError);
    expect(seen.map((h) => [h.clientId, h.credentials, h.address.address])).toEqual([
      ["carol", { token: "t0ken" }, "127.0.0.1"],
      ["eve", { token: "x" }, "127.0.0.1"],
    ]);
    expect(server.clients()).toEqual(["carol"]);
  });

  it("holds back frames pipelined after the hello until the hook has accepted it", async () => {
    let accepted = false;
    let release: (ok: boolean) => void = () => {};
    let hookCalled: () => void = () => {};
    const called = new Promise<void>((r) => {
      hookCalled = r;
    });
    const { server, port } = await fx.server({
      authenticate: () =>
        new Promise<boolean>((r) => {
          release = (ok) => {
            accepted = ok;
            r(ok);
          };
          hookCalled();
        }),
    });
    let acceptedWhenCalled: boolean | undefined;
    server.register("sum", (x: number, y: number) => {
      acceptedWhenCalled = accepted;
      return x + y;
    });
    const raw = await fx.raw(port);
    await raw.write(Buffer.concat([frame([3, 1, "pipeliner"]), frame([0, 2, "sum", [20, 22]])]));
    await within(called, 5000, "the authenticate hook");
    expect(acceptedWhenCalled).toBeUndefined();
    release(true);
    expect(await readMessage(raw)).toEqual([1, 1, null, "pipeliner"]);
    expect(await readMessage(raw)).toEqual([1, 2, null, 42]);
    expect(acceptedWhenCalled).toBe(true);
  });

  it("a throwing hook refuses the hello and logs the error", async () => {
    fx.expectLog(/the authenticate hook threw/);
    const { port } = await fx.server({
      authenticate: () => {
        throw new Error("database down");
      },
    });
    expect(await rejection(fx.connect(port, { clientId: "x" }))).toBeInstanceOf(
      RpcAuthenticationError,
    );
  });
});

describe("validation", () => {
  it("throws for unusable secret, authenticate and onDuplicateClientId options", () => {
    expect(() => new RpcServer({ secret: "short" })).toThrow(RangeError);
    expect(() => new RpcServer({ secret: 42 as never })).toThrow(TypeError);
    expect(() => new RpcServer({ authenticate: "yes" as never })).toThrow(TypeError);
    expect(() => new RpcServer({ onDuplicateClientId: "kick" as never })).toThrow(TypeError);
    expect(() => fx.client({ secret: "short" })).toThrow(RangeError);
    expect(() => fx.client({ secret: new Uint8Array(32) })).not.toThrow();
  });
});
