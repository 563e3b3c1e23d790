// WebSocket echo on uWebSockets.js: every message sent back as it came (text or binary).
import uWS from "uwebsockets";

const port = Number(process.argv[2]);
uWS
  .App()
  .ws("/*", {
    compression: uWS.DISABLED,
    maxPayloadLength: 1024 * 1024,
    // Never drop an echo under backpressure (the default 64 KiB would drop 64 KiB messages).
    maxBackpressure: 64 * 1024 * 1024,
    idleTimeout: 120,
    message: (ws, message, isBinary) => {
      ws.send(message, isBinary);
    },
  })
  .listen("127.0.0.1", port, (token) => {
    if (!token) {
      process.stderr.write(`uWS could not listen on 127.0.0.1:${port}\n`);
      process.exit(1);
    }
  });
