// TestBrowser: what a browser does in a login — cookies, redirects followed one by one, the provider's forms submitted — over @t/httpclient.

import { AsyncHTTPClient, type AsyncHTTPClientOptions, type HTTPResponse } from "@t/httpclient";
import { xhtmlUnescape } from "@t/web";

/** One stored cookie (host-only: RFC 6265 cookies ignore the port, so do these). */
interface StoredCookie {
  name: string;
  value: string;
  host: string;
  path: string;
  expiresAtMs: number;
}

/** A request a TestBrowser makes. */
export interface BrowserRequest {
  /** Default GET (POST when `form` is given). */
  method?: string;
  /** Form fields, sent `application/x-www-form-urlencoded`. */
  form?: Readonly<Record<string, string>>;
  /** More request headers. */
  headers?: Readonly<Record<string, string>>;
}

/** Options of {@link TestBrowser.navigate}. */
export interface NavigateOptions {
  /** Stop, without requesting it, at the first URL this returns true for (e.g. the app's callback). */
  stopAt?: (url: URL) => boolean;
  /**
   * Submit the first POST form of HTML pages from this origin (the provider's login and
   * consent pages), filling `login` and `password`. Default: no form is submitted.
   */
  submitFormsAt?: string;
  /** The login name typed into the provider's form. Default "alice". */
  login?: string;
  /** The password typed into the provider's form. Default "secret". */
  password?: string;
  /** Most requests before giving up. Default 30. */
  maxSteps?: number;
}

/** Where a navigation ended. */
export interface NavigateResult {
  /** The last URL: the one requested last, or the one `stopAt` matched. */
  url: URL;
  /** Its response, or null when `stopAt` stopped before requesting it. */
  response: HTTPResponse | null;
  /** Every URL requested, in order. */
  visited: URL[];
}

/** A `<form method="post">` found in a page. */
interface PageForm {
  action: URL;
  fields: Record<string, string>;
}

const FORM_RE = /<form\b([^>]*)>([\s\S]*?)<\/form>/gi;
const INPUT_RE = /<input\b([^>]*?)\/?>/gi;
const ATTR_RE = /([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(ATTR_RE)) {
    out[(m[1] as string).toLowerCase()] = xhtmlUnescape(m[2] ?? m[3] ?? "");
  }
  return out;
}

/** The first POST form of an HTML page. */
function firstPostForm(html: string, base: URL): PageForm | null {
  for (const m of html.matchAll(FORM_RE)) {
    const attrs = attributes(m[1] as string);
    if ((attrs.method ?? "get").toLowerCase() !== "post") continue;
    const fields: Record<string, string> = {};
    for (const input of (m[2] as string).matchAll(INPUT_RE)) {
      const a = attributes(input[1] as string);
      if (a.name !== undefined) fields[a.name] = a.value ?? "";
    }
    return { action: new URL(attrs.action ?? base.href, base), fields };
  }
  return null;
}

/**
 * A scripted browser for login tests: keeps cookies (host and path matched, Max-Age and
 * Expires honoured, ports ignored as browsers ignore them), follows redirects one request at a
 * time so a test can stop at any of them, and fills in the login and consent forms of the
 * provider's pages. Every request goes through @t/httpclient on the current IOLoop.
 */
export class TestBrowser {
  private readonly client: AsyncHTTPClient;
  private readonly owned: boolean;
  private readonly cookies: StoredCookie[] = [];

  /**
   * `httpClient`: the client to use (left open by `close()`); else one is made with
   * `clientOptions` (e.g. `{ loop }`; default: on the current IOLoop).
   */
  constructor(
    options: { httpClient?: AsyncHTTPClient; clientOptions?: AsyncHTTPClientOptions } = {},
  ) {
    this.client = options.httpClient ?? new AsyncHTTPClient(options.clientOptions);
    this.owned = options.httpClient === undefined;
  }

  /** The value of cookie `name` that a request to `url` would carry, or undefined. */
  cookie(url: string | URL, name: string): string | undefined {
    const u = new URL(url);
    return this.matching(u).find((c) => c.name === name)?.value;
  }

  /** Store (or replace) a cookie as if `url` had set it, e.g. to tamper with one. */
  setCookie(url: string | URL, name: string, value: string, path = "/"): void {
    const u = new URL(url);
    this.store({ name, value, host: u.hostname, path, expiresAtMs: Number.POSITIVE_INFINITY });
  }

  /** Forget every cookie (a new browser profile). */
  clearCookies(): void {
    this.cookies.length = 0;
  }

  /** One request with this browser's cookies; its Set-Cookie headers are kept. No redirect is followed. */
  async request(url: string | URL, init: BrowserRequest = {}): Promise<HTTPResponse> {
    const u = new URL(url);
    const headers: Record<string, string> = { ...init.headers };
    const cookies = this.matching(u);
    if (cookies.length > 0) headers.Cookie = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
    let body: string | undefined;
    if (init.form !== undefined) {
      body = new URLSearchParams(init.form as Record<string, string>).toString();
      headers["Content-Type"] = "application/x-www-form-urlencoded";
    }
    const res = await this.client.fetch(u.href, {
      method: init.method ?? (body === undefined ? "GET" : "POST"),
      headers,
      ...(body === undefined ? {} : { body }),
      followRedirects: false,
      raiseError: false,
      requestTimeoutMs: 10_000,
    });
    for (const line of res.headers.getList("Set-Cookie")) this.take(u, line);
    return res;
  }

  /**
   * Start at `url` and go where the answers send the browser: each 3xx `Location` is requested
   * in turn (a 303, or a 302 after POST, as GET); with `submitFormsAt`, an HTML page of that
   * origin with a POST form is submitted (login name and password filled in). Ends at a page
   * that is neither, at a URL `stopAt` accepts, or after `maxSteps` requests (an Error).
   */
  async navigate(url: string | URL, options: NavigateOptions = {}): Promise<NavigateResult> {
    const maxSteps = options.maxSteps ?? 30;
    const visited: URL[] = [];
    let current = new URL(url);
    let init: BrowserRequest = {};
    for (let step = 0; step < maxSteps; step++) {
      if (options.stopAt?.(current)) return { url: current, response: null, visited };
      visited.push(current);
      const res = await this.request(current, init);
      init = {};
      const location = res.headers.get("Location");
      if (res.code >= 300 && res.code < 400 && location !== undefined) {
        current = new URL(location, current);
        continue;
      }
      const type = res.headers.get("Content-Type") ?? "";
      if (
        options.submitFormsAt !== undefined &&
        current.origin === new URL(options.submitFormsAt).origin &&
        res.code === 200 &&
        type.startsWith("text/html")
      ) {
        const form = firstPostForm(res.text(), current);
        if (form !== null) {
          const fields = { ...form.fields };
          if ("login" in fields) fields.login = options.login ?? "alice";
          if ("password" in fields) fields.password = options.password ?? "secret";
          current = form.action;
          init = { method: "POST", form: fields };
          continue;
        }
      }
      return { url: current, response: res, visited };
    }
    throw new Error(
      `TestBrowser: still redirecting after ${maxSteps} requests (at ${current.href})`,
    );
  }

  /** Close the HTTP client (if the browser made it). */
  close(): void {
    if (this.owned) this.client.close();
  }

  private matching(u: URL): StoredCookie[] {
    const now = Date.now();
    for (let i = this.cookies.length - 1; i >= 0; i--) {
      if ((this.cookies[i] as StoredCookie).expiresAtMs <= now) this.cookies.splice(i, 1);
    }
    return this.cookies
      .filter((c) => c.host === u.hostname && pathMatches(u.pathname, c.path))
      .sort((a, b) => b.path.length - a.path.length);
  }

  private store(cookie: StoredCookie): void {
    const i = this.cookies.findIndex(
      (c) => c.name === cookie.name && c.host === cookie.host && c.path === cookie.path,
    );
    if (i !== -1) this.cookies.splice(i, 1);
    if (cookie.expiresAtMs > Date.now()) this.cookies.push(cookie);
  }

  private take(u: URL, line: string): void {
    const [pair = "", ...attrs] = line.split(";");
    const eq = pair.indexOf("=");
    if (eq <= 0) return;
    const cookie: StoredCookie = {
      name: pair.slice(0, eq).trim(),
      value: pair.slice(eq + 1).trim(),
      host: u.hostname,
      path: defaultPath(u.pathname),
      expiresAtMs: Number.POSITIVE_INFINITY,
    };
    let maxAgeSeen = false;
    for (const attr of attrs) {
      const i = attr.indexOf("=");
      const key = (i === -1 ? attr : attr.slice(0, i)).trim().toLowerCase();
      const value = i === -1 ? "" : attr.slice(i + 1).trim();
      if (key === "path" && value.startsWith("/")) cookie.path = value;
      else if (key === "max-age" && /^-?\d+$/.test(value)) {
        maxAgeSeen = true;
        cookie.expiresAtMs = Date.now() + Number(value) * 1000;
      } else if (key === "expires" && !maxAgeSeen) {
        const t = Date.parse(value);
        if (!Number.isNaN(t)) cookie.expiresAtMs = t;
      }
    }
    this.store(cookie);
  }
}

/** RFC 6265 §5.1.4 default-path of a request path. */
function defaultPath(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** RFC 6265 §5.1.4 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith("/") || requestPath[cookiePath.length] === "/";
}
