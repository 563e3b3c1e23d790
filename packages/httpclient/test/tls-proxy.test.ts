// TLS (a test CA, validateCert, client certificates), HTTP proxies (CONNECT and absolute-form), Unix sockets, IPv6.

import * as https from "node:https";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HTTPConnectionError, HTTPProxyError } from "../src/index.js";
import { haveOpenssl, makeClientCertificate, OPENSSL_HINT, tlsFixtures } from "./certs.js";
import { ClientFixture, readHead, reply } from "./helpers.js";

let fx: ClientFixture;
beforeEach(() => {
  fx = new ClientFixture();
});
afterEach(async () => {
  await fx.dispose();
});

const tlsServerOptions = { ssl: { key: tlsFixtures.key, cert: tlsFixtures.cert } };

/** A CONNECT proxy written with node:net; it records the tunnels it opened. */
async function connectProxy(options: { requireAuth?: string; refuse?: number } = {}) {
  const tunnels: string[] = [];
  const auths: (string | undefined)[] = [];
  const srv = await fx.serveRaw(async (client) => {
    const head = await readHead(client);
    const [method, authority] = head.split(" ");
    const auth = /\r\nProxy-Authorization: ([^\r]*)/i.exec(head)?.[1];
    auths.push(auth);
    if (method !== "CONNECT") {
      client.end("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    if (options.refuse !== undefined) {
      client.end(`HTTP/1.1 ${options.refuse} No\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    if (options.requireAuth !== undefined && auth !== options.requireAuth) {
      client.end("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    tunnels.push(authority);
    const colon = authority.lastIndexOf(":");
    const upstream = net.connect(
      Number(authority.slice(colon + 1)),
      authority.slice(0, colon),
      () => {
        client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
        client.pipe(upstream);
        upstream.pipe(client);
      },
    );
    upstream.on("error", () => client.destroy());
    client.on("close", () => upstream.destroy());
  });
  return { srv, tunnels, auths };
}

describe("TLS", () => {
  it("fetches over TLS with the test CA, checks the name, and keeps the connection alive", async () => {
    const srv = await fx.serveT((req) => reply(req, 200, `tls ${req.protocol}`), tlsServerOptions);
    const client = fx.client({ defaults: { ca: tlsFixtures.ca } });
    for (const host of ["127.0.0.1", "localhost", "127.0.0.1"]) {
      const res = await client.fetch(`https://${host}:${srv.port}/`);
      expect(res.text()).toBe("tls https");
    }
    // 127.0.0.1 and localhost are two origins: two connections for three requests.
    expect(srv.accepted).toBe(2);
  });

  it("refuses a certificate it cannot verify unless validateCert is false", async () => {
    const srv = await fx.serveT((req) => reply(req, 200, "ok"), tlsServerOptions);
    const client = fx.client();
    const err = await client.fetch(`https://127.0.0.1:${srv.port}/`).catch((e) => e);
    expect(err).toBeInstanceOf(HTTPConnectionError);
    expect(String(err.cause?.code)).toMatch(/VERIFY|CERT|SIGNED|ISSUER/);
    const res = await client.fetch(`https://127.0.0.1:${srv.port}/`, { validateCert: false });
    expect(res.text()).toBe("ok");
  });

  it("refuses a certificate for another name", async () => {
    const srv = await fx.serveT((req) => reply(req, 200, "ok"), tlsServerOptions);
    // The certificate names localhost, 127.0.0.1 and ::1; wrong.test resolves to the same server.
    const client = fx.client({
      defaults: { ca: tlsFixtures.ca },
      resolver: async () => [{ address: "127.0.0.1", family: 4 }],
    });
    const err = await client.fetch(`https://wrong.test:${srv.port}/`).catch((e) => e);
    expect(err).toBeInstanceOf(HTTPConnectionError);
    expect(String(err.cause?.code)).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
    expect((await client.fetch(`https://localhost:${srv.port}/`)).text()).toBe("ok");
  });

  it("presents a client certificate for mutual TLS", async () => {
    if (!haveOpenssl()) {
      console.warn(`openssl not found: skipping the mutual TLS check (${OPENSSL_HINT})`);
      return;
    }
    const client = makeClientCertificate();
    const server = https.createServer(
      {
        key: tlsFixtures.key,
        cert: tlsFixtures.cert,
        ca: client.ca,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const peer = (req.socket as TLSSocket).getPeerCertificate();
        res.end(`hello ${peer.subject?.CN}`);
      },
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    fx.onDispose(
      () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
    const port = (server.address() as net.AddressInfo).port;
    const c = fx.client({ defaults: { ca: tlsFixtures.ca } });
    const res = await c.fetch(`https://localhost:${port}/`, {
      clientCert: client.cert,
      clientKey: client.key,
    });
    expect(res.text()).toBe("hello test client");
    await expect(c.fetch(`https://localhost:${port}/`)).rejects.toBeInstanceOf(HTTPConnectionError);
  });
});

describe("proxies", () => {
  it("tunnels https through a CONNECT proxy with credentials, one tunnel for several requests", async () => {
    const target = await fx.serveT(
      (req) => reply(req, 200, `via tunnel ${req.path}`),
      tlsServerOptions,
    );
    const basic = `Basic ${Buffer.from("pu:pp").toString("base64")}`;
    const proxy = await connectProxy({ requireAuth: basic });
    const client = fx.client({
      defaults: { ca: tlsFixtures.ca, proxy: `http://pu:pp@127.0.0.1:${proxy.srv.port}` },
    });
    for (const p of ["/a", "/b", "/c"]) {
      expect((await client.fetch(`https://localhost:${target.port}${p}`)).text()).toBe(
        `via tunnel ${p}`,
      );
    }
    expect(proxy.tunnels).toEqual([`localhost:${target.port}`]);
    expect(target.accepted).toBe(1);
  });

  it("fails with HTTPProxyError when the proxy refuses the tunnel", async () => {
    const proxy = await connectProxy({ refuse: 403 });
    const client = fx.client({ defaults: { proxy: `http://127.0.0.1:${proxy.srv.port}` } });
    const err = await client.fetch("https://localhost:1/").catch((e) => e);
    expect(err).toBeInstanceOf(HTTPProxyError);
    expect(err.code).toBe("T_ERR_HTTP_PROXY");
    expect(err.status).toBe(403);
    const denied = await connectProxy({ requireAuth: "Basic x" });
    const err2 = await client
      .fetch("https://localhost:1/", { proxy: `http://127.0.0.1:${denied.srv.port}` })
      .catch((e) => e);
    expect(err2.status).toBe(407);
  });

  it("sends http requests to the proxy in absolute form with Proxy-Authorization, sharing its connection", async () => {
    const seen: string[] = [];
    const proxy = await fx.serveNode((req, res) => {
      seen.push(`${req.url} ${req.headers.host} ${req.headers["proxy-authorization"]}`);
      res.end("from proxy");
    });
    const client = fx.client({ defaults: { proxy: `http://u:p@127.0.0.1:${proxy.port}` } });
    expect((await client.fetch("http://one.test:8080/x?y=1")).text()).toBe("from proxy");
    expect((await client.fetch("http://two.test/z")).text()).toBe("from proxy");
    const basic = `Basic ${Buffer.from("u:p").toString("base64")}`;
    expect(seen).toEqual([
      `http://one.test:8080/x?y=1 one.test:8080 ${basic}`,
      `http://two.test/z two.test ${basic}`,
    ]);
    expect(proxy.accepted).toBe(1);
  });
});

describe("addresses", () => {
  it("connects to a Unix socket; the URL still gives Host and path", async () => {
    const path = join(tmpdir(), `httpclient-${process.pid}-${Date.now()}.sock`);
    const seen: string[] = [];
    const http = await import("node:http");
    let accepted = 0;
    const server = http.createServer((req, res) => {
      seen.push(`${req.headers.host} ${req.url}`);
      res.end("unix ok");
    });
    server.on("connection", () => accepted++);
    await new Promise<void>((r) => server.listen(path, r));
    fx.onDispose(
      () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
    const client = fx.client();
    for (let i = 0; i < 3; i++) {
      const res = await client.fetch("http://unix.local/p?q", { unixSocketPath: path });
      expect(res.text()).toBe("unix ok");
    }
    expect(seen).toEqual(Array(3).fill("unix.local /p?q"));
    expect(accepted).toBe(1);
  });

  it("fetches from an IPv6 literal, sending a bracketed Host", async () => {
    const srv = await fx.serveT((req) => reply(req, 200, req.host), {}, "::1");
    const client = fx.client();
    const res = await client.fetch(`http://[::1]:${srv.port}/`);
    expect(res.text()).toBe(`[::1]:${srv.port}`);
  });

  it("happy eyeballs: an IPv6 address that refuses falls back to the IPv4 one; allowIpv6: false skips it", async () => {
    const srv = await fx.serveT((req) => reply(req, 200, "v4"));
    const asked: number[] = [];
    const client = fx.client({
      resolver: async (_host, family) => {
        asked.push(family);
        return [
          { address: "::1", family: 6 },
          { address: "127.0.0.1", family: 4 },
        ];
      },
    });
    expect((await client.fetch(`http://dual.test:${srv.port}/`)).text()).toBe("v4");
    expect((await client.fetch(`http://dual.test:${srv.port}/`, { allowIpv6: false })).text()).toBe(
      "v4",
    );
    expect(asked).toEqual([0, 4]);
  });

  it("resolves names (localhost) and connects to what answers", async () => {
    const srv = await fx.serveT((req) => reply(req, 200, "named"));
    const client = fx.client();
    expect((await client.fetch(`http://localhost:${srv.port}/`)).text()).toBe("named");
    expect((await client.fetch(`http://localhost:${srv.port}/`, { allowIpv6: false })).text()).toBe(
      "named",
    );
  });
});
