// The README's Locale example: Accept-Language (or a cookie) picks the language, `_` translates in the template.
import { fileURLToPath } from "node:url";
import { interpolate, Translations } from "@t/locale";
import { Application, RequestHandler } from "@t/web";

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const translations = new Translations(); // the app's own strings are en_US
translations.loadTranslations(here("translations")); // de.csv, fr.csv

class Hello extends RequestHandler {
  // A language cookie wins; null lets the browser's Accept-Language decide.
  getUserLocale() {
    const lang = this.getCookie("lang");
    return lang ? this.translations.get(lang) : null;
  }

  async get() {
    await this.render("hello.eta", { name: "Ana", unread: 3, interpolate });
  }
}

const app = new Application([["/", Hello]], { templatePath: here("templates"), translations });
const server = await app.listen(0, "127.0.0.1");
const { port } = server.addresses()[0];
for (const headers of [
  { "Accept-Language": "de-CH, fr;q=0.8, en;q=0.5" },
  { "Accept-Language": "it, fr-CA;q=0.7" },
  { "Accept-Language": "fr", Cookie: "lang=de" },
  {},
]) {
  const res = await fetch(`http://127.0.0.1:${port}/`, { headers });
  console.log((await res.text()).trim());
}
await server.shutdown();
