// Bench server: a byte echo on @t/tcpserver, using the zero-Promise data consumer of @t/iostream.
import { IOLoop } from "@t/ioloop";
import { TCPServer } from "@t/tcpserver";

const loop = new IOLoop({ makeCurrent: true });
const noop = () => {};
const server = new TCPServer({
  handleStream(stream) {
    stream.setNoDelay(true);
    stream.setDataConsumer((buf, start, end) => {
      // The consumer's bytes are only valid during the call: the write gets a copy.
      const done = stream.write(Buffer.from(buf.subarray(start, end)));
      // Only a queued write (or one on a closed stream) can reject: no Promise handling otherwise.
      if (stream.writing() || stream.closed()) done.catch(noop);
      return end - start;
    });
  },
});
await server.listen(0, "127.0.0.1");
console.log(`port ${server.addresses()[0].port}`);
await loop.start();
