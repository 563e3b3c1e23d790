// The README's "Tornado-style templates" example: a Tornado template rendered by NunjucksTemplateEngine.
import { fileURLToPath } from "node:url";
import { Application, NunjucksTemplateEngine, RequestHandler } from "@t/web";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

class Students extends RequestHandler {
  getCurrentUser() {
    return "ann";
  }

  async get() {
    await this.render("students.html", {
      students: [
        { name: "Ada <admin>", age: 36 },
        { name: "Bob", age: 19 },
      ],
    });
  }
}

const app = new Application([["/", Students]], {
  templateEngine: new NunjucksTemplateEngine({ templatePath: here("templates") }),
});
const server = await app.listen(0, "127.0.0.1");
const { port } = server.addresses()[0];
console.log((await (await fetch(`http://127.0.0.1:${port}/`)).text()).trimEnd());
await server.shutdown();
