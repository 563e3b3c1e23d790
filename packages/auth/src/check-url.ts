// checkUrl: a provider URL option must be absolute and https (http only when allowInsecureRequests).

/**
 * Parse option `name` as an absolute URL; `https:` only, or also `http:` when `allowHttp`.
 * A TypeError names the option and what was expected.
 */
export function checkUrl(name: string, value: unknown, allowHttp: boolean): URL {
  if (typeof value !== "string") throw new TypeError(`${name} must be a URL string`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${name} must be an absolute URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== "https:" && !(allowHttp && url.protocol === "http:")) {
    throw new TypeError(
      `${name} must be an https: URL (http: only with allowInsecureRequests), got ${value}`,
    );
  }
  return url;
}
