// The README's UI modules example: a module used twice whose CSS and JavaScript go into the page once.
import { fileURLToPath } from "node:url";
import { Application, RequestHandler, UIModule, xhtmlEscape } from "@t/web";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

class Entry extends UIModule {
  render(entry) {
    return `<article class="entry">${xhtmlEscape(entry.title)}</article>`;
  }
  cssFiles() {
    return "entry.css"; // a static file: /static/entry.css?v=<hash>
  }
  embeddedCss() {
    return ".entry { margin: 1em 0; }";
  }
  embeddedJavascript() {
    return 'document.title += " (" + document.querySelectorAll(".entry").length + ")";';
  }
}

/** A ui method: templates call `it.shout(text)`, the handler comes first. */
function shout(handler, text) {
  return `${text.toUpperCase()}! (${handler.request.path})`;
}

class Blog extends RequestHandler {
  async get() {
    await this.render("blog.eta", { entries: [{ title: "First <post>" }, { title: "Second" }] });
  }
}

const app = new Application([["/", Blog]], {
  templatePath: here("templates"),
  staticPath: here("static"),
  uiModules: { Entry },
  uiMethods: { shout },
});
const server = await app.listen(0, "127.0.0.1");
const { port } = server.addresses()[0];
const html = await (await fetch(`http://127.0.0.1:${port}/`)).text();
console.log(html.trimEnd().replace(/\?v=[0-9a-f]+/g, "?v=…")); // the version hash, shortened
await server.shutdown();
