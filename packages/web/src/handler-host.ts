// HandlerHost: what a RequestHandler needs of the application it runs in (Application implements
// it; a unit test may pass a small object of its own).

import type { Logger } from "@t/ioloop";
import type { LoggedHandler } from "./access-log.js";
import type { ApplicationSettings } from "./settings.js";
import type { TemplateEngine } from "./template.js";

/**
 * The seven members a {@link RequestHandler} uses of its application (`handler.application`).
 * `Application` implements it. A handler can therefore be unit-tested without an Application or
 * routes: construct it with a host of your own and an `HTTPServerRequest`, call its methods, and
 * look at what the host recorded.
 *
 * ```ts
 * const logged: LoggedHandler[] = [];
 * const host: HandlerHost = {
 *   settings: { custom: { greeting: "hi" } },
 *   logger: console,
 *   serveTraceback: false,
 *   templateEngine: () => ({ render: async (name, ns) => `${name}:${ns.who}` }),
 *   reverseUrl: (name, ...args) => `/${name}/${args.join("/")}`,
 *   staticUrl: (path) => `/static/${path}`,
 *   logRequest: (h) => logged.push(h),
 * };
 * const handler = new Greeting(host, request);
 * ```
 */
export interface HandlerHost {
  /** The application settings (`handler.settings`). */
  readonly settings: ApplicationSettings;
  /** Where handlers log errors (uncaught exceptions, failing hooks). */
  readonly logger: Logger;
  /** Whether error pages show stack traces (`writeError`'s default). */
  readonly serveTraceback: boolean;
  /** The engine of `render()` and `renderString()`. */
  templateEngine(): TemplateEngine;
  /** The path of the route named `name` with `args` filled in (`handler.reverseUrl`). */
  reverseUrl(name: string, ...args: (string | number)[]): string;
  /** The URL of static file `path`, with its version hash unless `includeVersion` is false. */
  staticUrl(path: string, includeVersion?: boolean): string;
  /** Called once when a request finished: the access log (or the `logFunction` setting). */
  logRequest(handler: LoggedHandler): void;
}
