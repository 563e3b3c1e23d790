// RequestTarget: an http(s) URL taken apart once (host, port, Host header, path), cached by string.

/** What a URL means to the client; immutable and shared between requests to the same URL. */
export interface RequestTarget {
  /** The normalised URL (WHATWG `href`, without the fragment). */
  readonly href: string;
  /** `https:` */
  readonly secure: boolean;
  /** Host name or IP literal, IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
  /** The Host header value (`host[:port]`, the port only when not the scheme's default). */
  readonly hostHeader: string;
  /** origin-form request-target: path and query. */
  readonly path: string;
  /** `scheme://host:port` — what redirects compare to decide "cross-origin". */
  readonly origin: string;
  /** Decoded userinfo (for basic auth), "" when absent. */
  readonly username: string;
  readonly password: string;
}

const cache = new Map<string, RequestTarget>();
/** Most URLs remembered; the cache is dropped when full (programs fetch a few URLs many times). */
const CACHE_SIZE = 512;

/** Parse an `http:` or `https:` URL; throws TypeError for anything else (or a bad userinfo escape). */
export function parseTarget(url: string | URL): RequestTarget {
  if (typeof url === "string") {
    const hit = cache.get(url);
    if (hit !== undefined) return hit;
    const t = fromUrl(toUrl(url), url);
    if (cache.size >= CACHE_SIZE) cache.clear();
    cache.set(url, t);
    return t;
  }
  if (url instanceof URL) return fromUrl(url, url.href);
  throw new TypeError(`expected a URL string or URL object, got ${typeof url}`);
}

function toUrl(s: string): URL {
  try {
    return new URL(s);
  } catch {
    throw new TypeError(`invalid URL: ${JSON.stringify(s)}`);
  }
}

function fromUrl(u: URL, given: string): RequestTarget {
  const scheme = u.protocol;
  if (scheme !== "http:" && scheme !== "https:") {
    throw new TypeError(`only http: and https: URLs can be fetched, got ${JSON.stringify(given)}`);
  }
  const secure = scheme === "https:";
  let host = u.hostname;
  if (host.length === 0) throw new TypeError(`URL has no host: ${JSON.stringify(given)}`);
  if (host.charCodeAt(0) === 0x5b) host = host.slice(1, -1);
  const port = u.port === "" ? (secure ? 443 : 80) : Number(u.port);
  const href = u.hash === "" ? u.href : u.href.slice(0, u.href.length - u.hash.length);
  return {
    href,
    secure,
    host,
    port,
    hostHeader: u.host,
    path: `${u.pathname}${u.search}`,
    origin: `${scheme}//${u.hostname}:${port}`,
    username: decodeUserinfo(u.username),
    password: decodeUserinfo(u.password),
  };
}

/** A percent-encoded user name or password; TypeError for a bad escape (not a URIError). */
function decodeUserinfo(s: string): string {
  if (s.indexOf("%") === -1) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    // The URL is not quoted: it holds credentials.
    throw new TypeError("invalid percent-escape in the userinfo (user:password@) of a URL");
  }
}
