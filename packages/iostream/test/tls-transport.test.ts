// SSLIOStream over a transport that is not a descriptor stream: its records go through a Duplex.

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type CiphertextTransport, type IOStream, SSLIOStream } from "../src/index.js";
import { LoopFixture, tlsFixtures, within } from "./helpers.js";

let fx: LoopFixture;
beforeEach(() => {
  fx = new LoopFixture();
});
afterEach(async () => {
  await fx.dispose();
});

/** A transport that forwards to `s` without being one of our descriptor streams. */
function wrap(s: IOStream): CiphertextTransport {
  return {
    loop: s.loop,
    fileno: () => s.fileno(),
    readBytes: (n, options) => s.readBytes(n, options),
    write: (data) => s.write(data),
    close: (error) => s.close(error),
    closed: () => s.closed(),
  };
}

async function wrappedPair(): Promise<[SSLIOStream, SSLIOStream]> {
  const [s, c] = await fx.tcpPair();
  const server = new SSLIOStream(wrap(s), {
    serverSide: true,
    tls: { key: tlsFixtures.key, cert: tlsFixtures.cert },
  });
  const client = new SSLIOStream(wrap(c), {
    serverSide: false,
    serverHostname: "localhost",
    tls: { ca: tlsFixtures.ca },
  });
  await within(Promise.all([server.waitForHandshake(), client.waitForHandshake()]));
  return [fx.track(server), fx.track(client)];
}

describe("SSLIOStream over a non-descriptor transport", () => {
  it("reads and writes both ways", async () => {
    const [s, c] = await wrappedPair();
    await c.write("ping\n");
    expect((await within(s.readUntil("\n"))).toString()).toBe("ping\n");
    await s.write("pong\n");
    expect((await within(c.readUntil("\n"))).toString()).toBe("pong\n");
  });

  it("closeWhenWritten after a burst of small writes delivers all of them", async () => {
    const [s, c] = await wrappedPair();
    const answer = Buffer.alloc(77, 0x61);
    s.cork();
    for (let i = 0; i < 1000; i++) s.send(answer);
    s.uncork();
    s.closeWhenWritten();
    const got = await within(c.readUntilClose(), 20_000);
    expect(got.length).toBe(1000 * answer.length);
  });
});
