// The README's Usage example: a WebSocket echo server and a client, ending by itself.
import { Application } from "@t/web";
import { WebSocketHandler, websocketConnect } from "@t/websocket";

class Echo extends WebSocketHandler {
  open() {
    console.log("opened");
  }
  onMessage(message) {
    return this.writeMessage(`echo: ${message}`);
  }
  onClose() {
    console.log("closed", this.closeCode);
  }
}

const server = await new Application([["/ws", Echo]]).listen(0, "127.0.0.1"); // serving now
const { port } = server.addresses()[0];
const ws = await websocketConnect(`ws://127.0.0.1:${port}/ws`);
await ws.writeMessage("hello");
console.log(await ws.readMessage()); // echo: hello
ws.close();
await ws.closed;
await server.shutdown(); // nothing left: the process exits by itself
