// The README's Usage example: an Application with a hello handler and a JSON route, queried once.
import { Application, RequestHandler } from "@t/web";

class MainHandler extends RequestHandler {
  get() {
    this.write("Hello, world");
  }
}

class UserHandler extends RequestHandler {
  get(id) {
    this.write({ id: Number(id), name: this.getArgument("name", "anonymous") });
  }
}

const app = new Application([
  ["/", MainHandler],
  [String.raw`/user/(\d+)`, UserHandler, {}, "user"],
]);
const server = await app.listen(0, "127.0.0.1"); // serving now (listen starts the IOLoop)
const { port } = server.addresses()[0];

console.log(await (await fetch(`http://127.0.0.1:${port}/`)).text()); // Hello, world
const url = `http://127.0.0.1:${port}${app.reverseUrl("user", 7)}?name=ann`;
console.log(await (await fetch(url)).json()); // { id: 7, name: 'ann' }

await server.shutdown(); // nothing left to serve: the process exits by itself
