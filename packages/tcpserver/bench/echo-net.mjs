// Bench server: the same byte echo on node:net.
import net from "node:net";

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  socket.on("data", (d) => socket.write(d));
  socket.on("error", () => {});
});
server.listen(0, "127.0.0.1", () => console.log(`port ${server.address().port}`));
