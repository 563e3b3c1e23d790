// WebSocket echo on @t/websocket: a WebSocketHandler behind @t/web's Application.
import { IOLoop } from "@t/ioloop";
import { Application } from "@t/web";
import { WebSocketHandler } from "@t/websocket";

const port = Number(process.argv[2]);

class Echo extends WebSocketHandler {
  onMessage(message) {
    // Not awaited, as `ws`'s and uWS's echoes do not wait for the kernel either.
    this.writeMessage(message);
  }
}

const app = new Application([["/", Echo]], {
  logFunction: () => {},
  websocketMaxMessageSize: 1024 * 1024,
});
await app.listen(port, "127.0.0.1", { idleConnectionTimeoutMs: 120_000 });
await IOLoop.current().start();
