// The README's routing example: two Applications, a handler and a request callback behind one router.
import { HTTPHeaders } from "@t/httpserver";
import {
  Application,
  HostMatches,
  PathMatches,
  RequestHandler,
  ReversibleRuleRouter,
} from "@t/web";

class Page extends RequestHandler {
  get(name) {
    this.write(`${this.settings.custom.site}: ${name}`);
  }
}

const api = new Application([[String.raw`/api/(\w+)`, Page, {}, "api"]], {
  custom: { site: "api" },
});
const blog = new Application([[String.raw`/(\w*)`, Page, {}, "post"]], {
  custom: { site: "blog" },
});
function health(request) {
  const headers = new HTTPHeaders({ "Content-Type": "text/plain" });
  request.connection.writeHeaders({ code: 200, reason: "OK" }, headers, "ok");
  request.connection.finish();
}

const router = new ReversibleRuleRouter([
  [new HostMatches(String.raw`api\.example\.com`), api], // by Host header
  [new PathMatches("/api/.*"), api], // by path: the app sees the whole path
  ["/health", health], // a plain request callback, as HTTPServer takes
  [new PathMatches(".*"), blog],
]);

const server = await router.listen(0, "127.0.0.1");
const { port } = server.addresses()[0];
for (const path of ["/api/users", "/hello", "/health"]) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  console.log(path, res.status, JSON.stringify(await res.text()));
}
console.log(router.reverseUrl("api", "users"), router.reverseUrl("post", "hello"));
await server.shutdown();
