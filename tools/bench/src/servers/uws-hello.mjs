// Hello-world on uWebSockets.js (C++ HTTP inside Node): the `uwebsockets` republish of uWS v20.
// Arguments: port [key.pem cert.pem] — with a key and certificate it serves HTTPS (SSLApp).
import uWS from "uwebsockets";

const [port, keyFile, certFile] = process.argv.slice(2);
const app = keyFile ? uWS.SSLApp({ key_file_name: keyFile, cert_file_name: certFile }) : uWS.App();
app.get("/*", (res) => {
  res.writeStatus("200 OK").writeHeader("Content-Type", "text/plain").end("Hello, world");
});
app.listen("127.0.0.1", Number(port), (token) => {
  if (!token) {
    process.stderr.write(`uWS could not listen on 127.0.0.1:${port}\n`);
    process.exit(1);
  }
});
