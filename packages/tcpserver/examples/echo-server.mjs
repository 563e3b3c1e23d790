// A line echo server composed from @t/ioloop + @t/iostream + @t/tcpserver only.
// Run: node examples/echo-server.mjs [port]   (port 0 picks a free one; Ctrl-C stops it gracefully)
import { StreamClosedError } from "@t/iostream";
import { installSignalHandlers, TCPServer } from "@t/tcpserver";

class EchoServer extends TCPServer {
  async handleStream(stream) {
    try {
      for (;;) {
        const line = await stream.readUntil("\n", { maxBytes: 64 * 1024 });
        await stream.write(line);
      }
    } catch (err) {
      if (!(err instanceof StreamClosedError)) throw err; // the client went away: not an error
    }
  }
}

const server = new EchoServer();
// Serving from here on, with no loop ceremony: listen() starts the current IOLoop, and the
// process stays up while the server listens.
await server.listen(Number(process.argv[2] ?? 8888), "127.0.0.1");
installSignalHandlers(server, { deadlineMs: 5000 });
console.log(`listening on 127.0.0.1:${server.addresses()[0].port}`);
