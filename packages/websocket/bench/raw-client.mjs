// Raw WebSocket client pieces shared by the load drivers (bench/driver.mjs and tools/bench's
// ws-client.mjs): a pre-masked client frame, and the HTTP upgrade done by hand on a net.Socket.

import { createHash, randomBytes } from "node:crypto";
import * as net from "node:net";

/**
 * One masked, final client frame carrying `size` bytes of 'a' (opcode 1 text, 2 binary). The
 * masking key is fixed: servers cannot tell, and the frame is built once.
 */
export function clientFrame(size, opcode) {
  const header = size < 126 ? 2 : size < 0x10000 ? 4 : 10;
  const frame = Buffer.alloc(header + 4 + size, 0x61);
  frame[0] = 0x80 | opcode;
  if (size < 126) frame[1] = 0x80 | size;
  else if (size < 0x10000) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(size, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeUInt32BE(0, 2);
    frame.writeUInt32BE(size, 6);
  }
  const key = [0x12, 0x34, 0x56, 0x78];
  frame.set(key, header);
  for (let i = 0; i < size; i++) frame[header + 4 + i] ^= key[i & 3];
  return frame;
}

/**
 * Connect to 127.0.0.1:`port` and upgrade by hand (no extensions offered); resolves with the
 * socket once the 101 arrived, rejects on a refusal or on data before the first message.
 */
export function openRawWebSocket(port) {
  return new Promise((resolve, reject) => {
    const key = randomBytes(16).toString("base64");
    const accept = createHash("sha1")
      .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
      .digest("base64");
    const socket = net.connect({ port, host: "127.0.0.1" }, () => {
      socket.setNoDelay(true);
      socket.write(
        `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    let head = Buffer.alloc(0);
    const onData = (d) => {
      head = Buffer.concat([head, d]);
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) return;
      socket.off("data", onData);
      const text = head.toString("latin1", 0, end);
      if (!text.startsWith("HTTP/1.1 101") || !text.includes(accept)) {
        reject(new Error(`upgrade refused: ${text.split("\r\n")[0]}`));
      } else if (head.length > end + 4) reject(new Error("data before the first message"));
      else resolve(socket);
    };
    socket.on("data", onData);
    socket.once("error", reject);
  });
}

/**
 * A counter of the complete server frames in a stream of chunks: `feed(chunk)` returns how many
 * frames ended in it; a header split across chunks is kept (at most 10 bytes). `checkHeader(b0,
 * b1, length)`, when given, sees each frame's first two bytes and payload length.
 */
export function serverFrameCounter(checkHeader) {
  let need = 0; // payload bytes of the current frame still to come
  let head = Buffer.alloc(0); // an incomplete header
  return (chunk) => {
    let d = chunk;
    let pos = 0;
    let done = 0;
    if (head.length > 0) {
      d = Buffer.concat([head, d]);
      head = Buffer.alloc(0);
    }
    while (pos < d.length) {
      if (need > 0) {
        const n = Math.min(need, d.length - pos);
        need -= n;
        pos += n;
        if (need === 0) done++;
        continue;
      }
      const avail = d.length - pos;
      const len7 = avail < 2 ? 0 : d[pos + 1] & 0x7f;
      const hsize = len7 < 126 ? 2 : len7 === 126 ? 4 : 10;
      if (avail < 2 || avail < hsize) {
        head = Buffer.from(d.subarray(pos));
        break;
      }
      const length =
        len7 < 126 ? len7 : len7 === 126 ? d.readUInt16BE(pos + 2) : d.readUInt32BE(pos + 6);
      if (checkHeader !== undefined) checkHeader(d[pos], d[pos + 1], length);
      pos += hsize;
      need = length;
      if (need === 0) done++;
    }
    return done;
  };
}
