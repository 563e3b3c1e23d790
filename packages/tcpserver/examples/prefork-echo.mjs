// The same echo server pre-forked: one parent binds the port and supervises WORKERS children
// that share its listening socket (one accept queue), as behind nginx.
// Run: PORT=8888 WORKERS=2 node examples/prefork-echo.mjs   (SIGTERM/Ctrl-C drains and exits 0)
import { installSignalHandlers, TCPServer, taskId } from "@t/tcpserver";

const server = new TCPServer({
  async handleStream(stream) {
    await stream.write(`worker ${taskId()} pid ${process.pid}\n`);
    for (;;) await stream.write(await stream.readUntil("\n", { maxBytes: 64 * 1024 }));
  },
});

await server.bind(Number(process.env.PORT ?? 8888), "127.0.0.1"); // children adopt this socket
if (taskId() === null) {
  console.log(`listening on 127.0.0.1:${server.addresses()[0].port}`);
}
// In the parent this never resolves: it supervises (restarts crashed children, forwards signals).
await server.start(Number(process.env.WORKERS ?? 2));
installSignalHandlers(server, { deadlineMs: 5000 });
console.log(`worker ${taskId()} pid ${process.pid} serving`); // start() began serving
