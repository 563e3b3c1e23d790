// Benchmark server process: `node server.mjs t` (RpcServer) or `node server.mjs net` (the same
// frames and msgpack through node:net). Prints the port, serves "sum" until killed.

import net from "node:net";
import { IOLoop } from "@t/ioloop";
import { FrameReader, FrameWriter, REQUEST, RESPONSE, RpcServer } from "@t/rpc";

const MAX_FRAME = 8 * 1024 * 1024;
const kind = process.argv[2];

if (kind === "t") {
  const loop = IOLoop.current();
  const server = new RpcServer();
  server.register("sum", (x, y) => x + y);
  await server.listen(0, "127.0.0.1");
  console.log(server.addresses()[0].port);
  await loop.start();
} else if (kind === "net") {
  const server = net.createServer({ noDelay: true }, (socket) => {
    const writer = new FrameWriter(MAX_FRAME);
    const res = [RESPONSE, 0, null, null];
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      const batch = writer.take();
      if (batch === null) return;
      socket.write(batch);
      writer.release(true); // net keeps the buffer until written
    };
    const reader = new FrameReader(MAX_FRAME, (m) => {
      if (m[0] !== REQUEST) return; // the hello of the protocol is not needed here
      res[1] = m[1];
      res[3] = m[3][0] + m[3][1];
      writer.append(res);
      if (!scheduled) {
        scheduled = true;
        queueMicrotask(flush);
      }
    });
    let pending = null;
    socket.on("data", (chunk) => {
      const buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
      const used = reader.consume(buf, 0, buf.length);
      pending = used === buf.length ? null : buf.subarray(used);
    });
    socket.on("error", () => {});
  });
  server.listen(0, "127.0.0.1", () => console.log(server.address().port));
} else {
  console.error("usage: node server.mjs t|net");
  process.exit(2);
}
