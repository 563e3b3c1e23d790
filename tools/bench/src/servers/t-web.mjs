// Hello-world on @t/web: a RequestHandler behind the Application's router.
import { IOLoop } from "@t/ioloop";
import { Application, RequestHandler } from "@t/web";

const port = Number(process.argv[2]);

class Hello extends RequestHandler {
  get() {
    this.setHeader("Content-Type", "text/plain");
    this.write("Hello, world");
  }
}

const app = new Application([["/", Hello]], { logFunction: () => {} });
await app.listen(port, "127.0.0.1", { idleConnectionTimeoutMs: 120_000 });
process.send?.("ready");
await IOLoop.current().start();
