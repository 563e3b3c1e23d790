// Parsing of Sec-WebSocket-Extensions values (RFC 6455 §9.1 grammar).

import { isToken } from "@t/httpserver";

/** One extension of an offer or response: its name and parameters (`true` for a bare one). */
export interface ExtensionOffer {
  name: string;
  params: Map<string, string | true>;
}

/**
 * Parse `ext1; a; b=1, ext2` into extensions, in order. Parameter values may be tokens or
 * quoted strings. Returns null on a syntax error or a parameter named twice in one extension.
 */
export function parseExtensions(header: string): ExtensionOffer[] | null {
  const out: ExtensionOffer[] = [];
  let i = 0;
  const n = header.length;
  const skipWs = () => {
    while (i < n && (header[i] === " " || header[i] === "\t")) i++;
  };
  const readToken = (): string | null => {
    const start = i;
    while (i < n && !' \t,;="'.includes(header[i])) i++;
    const tok = header.slice(start, i);
    return isToken(tok) ? tok : null;
  };
  for (;;) {
    skipWs();
    const name = readToken();
    if (name === null) return null;
    const params = new Map<string, string | true>();
    skipWs();
    while (i < n && header[i] === ";") {
      i++;
      skipWs();
      const key = readToken();
      if (key === null) return null;
      skipWs();
      let value: string | true = true;
      if (i < n && header[i] === "=") {
        i++;
        skipWs();
        if (header[i] === '"') {
          i++;
          let v = "";
          while (i < n && header[i] !== '"') {
            if (header[i] === "\\") i++;
            if (i < n) v += header[i++];
          }
          if (i >= n) return null;
          i++;
          if (!isToken(v)) return null; // §9.1: a quoted value must still be a token
          value = v;
        } else {
          const v = readToken();
          if (v === null) return null;
          value = v;
        }
        skipWs();
      }
      const lower = key.toLowerCase();
      if (params.has(lower)) return null;
      params.set(lower, value);
    }
    out.push({ name: name.toLowerCase(), params });
    if (i >= n) return out;
    if (header[i] !== ",") return null;
    i++;
  }
}
