// The home page and the hello endpoint.

import { BaseHandler } from "./base.mjs";

/** GET / — links to every demo page. */
export class HomeHandler extends BaseHandler {
  static metricsRoute = "home";

  async get() {
    // No page title: the layout's "@t demo" alone (not "@t demo · @t demo").
    await this.render("index.eta", { title: null });
  }
}

/** GET /hello[?name=…] — the smallest endpoint: plain text. */
export class HelloHandler extends BaseHandler {
  static metricsRoute = "hello";

  get() {
    this.setHeader("Content-Type", "text/plain; charset=UTF-8");
    this.write(`Hello, ${this.getArgument("name", "world")}`);
  }
}
