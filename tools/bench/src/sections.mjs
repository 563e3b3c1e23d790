// What the harness measures: per protocol, its servers, its scenarios, its base and anchors.

import { httpServers, httpsServers, wsServers } from "./servers.mjs";

/**
 * The sections to run: plain HTTP, HTTPS (only when `tls` holds a certificate) and WebSocket
 * echo, each with the servers `found` installed. `base` is the row the ×base ratios divide by;
 * `anchors` are the native servers every row is also compared with.
 */
export function makeSections(found, tls) {
  const anchors = [
    { id: "nginx", label: "nginx" },
    { id: "uws", label: "uWS" },
  ];
  const sections = [
    {
      id: "http",
      title: "HTTP hello-world",
      description:
        "`Hello, world` (text/plain) over keep-alive connections. nginx runs one worker; uWebSockets.js is C++ HTTP inside Node (the `uwebsockets` package, uWS v20).",
      kind: "http",
      base: { id: "node", label: "node" },
      anchors,
      servers: httpServers(found),
      idle: true,
      scenarios: [
        { id: "c50", label: "keep-alive, 50 connections", connections: 50, pipeline: 1 },
        { id: "c256", label: "keep-alive, 256 connections", connections: 256, pipeline: 1 },
        { id: "p16", label: "pipelined 16 deep, 50 connections", connections: 50, pipeline: 16 },
      ],
    },
  ];
  if (tls) {
    sections.push({
      id: "https",
      title: "HTTPS hello-world",
      description:
        "The same hello-world over TLS 1.3 (checked per server before the load; all but uWS refuse older versions), a self-signed EC P-256 certificate made at run time in a temp dir, wrk over https with keep-alive. The 50 handshakes fall inside the measured window; over 10 s they are a small part of it.",
      kind: "http",
      base: { id: "node", label: "node:https" },
      anchors,
      servers: httpsServers(found, tls),
      idle: false,
      scenarios: [
        {
          id: "tls-c50",
          label: "TLS 1.3 keep-alive, 50 connections",
          connections: 50,
          pipeline: 1,
          https: true,
        },
      ],
    });
  }
  sections.push({
    id: "ws",
    title: "WebSocket echo",
    description:
      "Each of 50 connections keeps a window of messages in flight and sends a new one per echo received; the server sends every message back. No compression. Load: raw WebSocket clients in one process (frames masked once in advance, the echoes of one read answered with one write), pinned like the HTTP load. Messages per CPU-second = echoed messages ÷ the server's CPU seconds over the same window.",
    kind: "ws",
    base: { id: "ws", label: "ws" },
    anchors: [{ id: "uws", label: "uWS" }],
    servers: wsServers(found),
    idle: false,
    scenarios: [
      {
        id: "ws32",
        label: "32 B text messages, 50 connections × 8 in flight",
        connections: 50,
        window: 8,
        sizeBytes: 32,
        binary: false,
      },
      {
        id: "ws64k",
        label: "64 KiB binary messages, 50 connections × 2 in flight",
        connections: 50,
        window: 2,
        sizeBytes: 64 * 1024,
        binary: true,
      },
    ],
  });
  return sections;
}
