// WebSocket echo on `ws` (the Node baseline): every message sent back as it came.
import { WebSocketServer } from "ws";

const port = Number(process.argv[2]);
const wss = new WebSocketServer({
  port,
  host: "127.0.0.1",
  perMessageDeflate: false,
  maxPayload: 1024 * 1024,
});
wss.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
});
